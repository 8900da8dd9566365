import { useState } from 'react'

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(text)
        setCopied(true)
        setTimeout(() => setCopied(false), 1500)
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  )
}

/** A secret the API shows only once (an API key, a password), with a copy button. */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div className="note warn stack">
      <strong>{label}: copy it now, it is not shown again</strong>
      <div className="row">
        <code className="secret" data-testid="secret">
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
    </div>
  )
}
