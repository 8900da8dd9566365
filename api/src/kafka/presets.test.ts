import { describe, expect, it } from 'vitest'
import { planLimits } from '../quota/limits.ts'
import { topicPresets } from './presets.ts'
import { normalizeTopicConfig } from './topic-config.ts'

describe('topic presets', () => {
  it.each(topicPresets.map((preset) => [preset.id, preset] as const))(
    '%s passes Kafka rules and fits the free plan',
    (_id, preset) => {
      expect(normalizeTopicConfig(preset.spec.config, 1).errors).toEqual([])
      expect(preset.spec.partitions).toBeLessThanOrEqual(planLimits.free.partitions)
      const retention = Number(preset.spec.config['retention.ms'] ?? 0)
      expect(retention).toBeLessThanOrEqual(planLimits.free.maxRetentionMs)
    },
  )
})
