import { Tooltip } from 'radix-ui'
import { type ButtonHTMLAttributes, type ReactNode, useState } from 'react'
import { type Operation, useCan } from '../permissions.tsx'

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { children: ReactNode }

/**
 * A control with a tooltip; a disabled one still shows it, and can be focused to read it. It
 * opens on hover and on focus and stays open until the pointer leaves, focus moves or Escape:
 * Radix alone would close it on the scroll a keyboard focus causes, before anyone reads it.
 */
export function WithTooltip({ tip, children }: { tip: string | undefined; children: ReactNode }) {
  const [open, setOpen] = useState(false)
  if (!tip) return children
  return (
    <Tooltip.Provider delayDuration={200}>
      <Tooltip.Root open={open} onOpenChange={() => {}}>
        <Tooltip.Trigger
          asChild
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onPointerEnter={() => setOpen(true)}
          onPointerLeave={() => setOpen(false)}
          onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}
        >
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a disabled button cannot take focus, its wrapper carries the reason */}
          <span tabIndex={0} className="tooltip-anchor">
            {children}
          </span>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content className="tooltip" sideOffset={4}>
            {tip}
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    </Tooltip.Provider>
  )
}

/**
 * A button for one API operation in `org`: disabled, with the reason in a tooltip, when the
 * caller's role does not allow it. It is never hidden, and never shown to then fail.
 */
export function ActionButton({
  org,
  operation,
  disabled,
  title,
  ...props
}: ButtonProps & { org: string; operation: Operation }) {
  const permission = useCan(org)(operation)
  const button = (
    <button
      type="button"
      {...props}
      disabled={disabled || !permission.allowed}
      aria-disabled={disabled || !permission.allowed}
      title={permission.allowed ? title : undefined}
    />
  )
  return (
    <WithTooltip tip={permission.allowed ? undefined : permission.reason}>{button}</WithTooltip>
  )
}
