import type { Schemas } from '../../api.ts'

type TopicPatch = Schemas['TopicPatch']

/** The merge patch from `from` to the edited values: only what changed, null for a removed key. */
export function topicPatch(
  from: { partitions: number; config: Record<string, string> },
  partitions: number,
  config: Record<string, string>,
): TopicPatch {
  const patch: TopicPatch = {}
  if (partitions !== from.partitions) patch.partitions = partitions
  const changes: Record<string, string | null> = {}
  for (const [key, value] of Object.entries(config)) {
    if (from.config[key] !== value) changes[key] = value
  }
  for (const key of Object.keys(from.config)) if (!(key in config)) changes[key] = null
  if (Object.keys(changes).length > 0) patch.config = changes
  return patch
}
