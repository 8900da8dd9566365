import type { OffsetRange } from './offsets.ts'

/** What Kafka answered for one partition before consume starts. */
export interface ListedOffsets {
  /** The oldest offset kept. */
  earliest: bigint
  /** The end: the offset the next record will get. */
  latest: bigint
  /** For `@T`: the first offset at or after T, -1 when no record is that new. */
  fromTime?: bigint
  /** For `…:T2`: the same for T2. */
  untilTime?: bigint
}

/** Where one partition is read from, and up to where (exclusive; null: on and on). */
export interface Position {
  next: bigint
  until: bigint | null
}

const max = (a: bigint, b: bigint) => (a > b ? a : b)
const min = (a: bigint, b: bigint) => (a < b ? a : b)
/** An offset a time maps to: -1 (no record that new) is the end. */
const orEnd = (offset: bigint | undefined, listed: ListedOffsets) =>
  offset === undefined || offset < 0n ? listed.latest : offset

/** A partition's position for an offset range, kept within the offsets it holds. */
export function positionOf(range: OffsetRange, listed: ListedOffsets): Position {
  const within = (offset: bigint) => min(max(offset, listed.earliest), listed.latest)
  const { from, until } = range
  let next: bigint
  switch (from.at) {
    case 'start':
      next = within(listed.earliest + from.plus)
      break
    case 'end':
      next = within(listed.latest - from.minus)
      break
    case 'offset':
      next = within(from.offset)
      break
    case 'time':
      next = orEnd(listed.fromTime, listed)
      break
  }
  if (!until) return { next, until: null }
  switch (until.at) {
    case 'end':
      return { next, until: listed.latest }
    case 'offset':
      // As rpk: never past the end, so that an empty partition does not wait for offset M.
      return { next, until: min(until.offset, listed.latest) }
    case 'time':
      return { next, until: orEnd(listed.untilTime, listed) }
  }
}

/** Whether a partition has nothing more to read: it reached where it stops. */
export const finished = (position: Position) =>
  position.until !== null && position.next >= position.until
