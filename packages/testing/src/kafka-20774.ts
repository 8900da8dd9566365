/**
 * KAFKA-20774 made certain: a broker that starts without a snapshot folds its metadata log
 * into one delta, whose users of a SCRAM mechanism sit in a java.util.HashMap; when the first
 * user that map iterates is a removal, ScramDelta.apply() drops the mechanism's whole user
 * map. These helpers tell which usernames come first, so a test deletes those and builds the
 * log that loses every login for sure, instead of by the luck of the hash.
 */

/** java.lang.String#hashCode, over UTF-16 code units as Java counts them. */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** The bucket a HashMap of `capacity` puts `key` in (HashMap.hash spreads the high bits). */
function bucketOf(key: string, capacity: number): number {
  const h = javaStringHash(key)
  return (h ^ (h >>> 16)) & (capacity - 1)
}

/** A HashMap's table size after `size` puts from empty (16, doubled past 3/4 full). */
function capacityFor(size: number): number {
  let capacity = 16
  while (size > capacity * 0.75) capacity *= 2
  return capacity
}

/**
 * The users a HashMap holding exactly `usernames` iterates first: all those of its first
 * non-empty bucket (which of them comes first depends on the order they were put in).
 */
export function firstIterated(usernames: readonly string[]): string[] {
  const keys = [...new Set(usernames)]
  const capacity = capacityFor(keys.length)
  const first = Math.min(...keys.map((k) => bucketOf(k, capacity)))
  return keys.filter((k) => bucketOf(k, capacity) === first)
}
