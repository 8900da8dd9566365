import { z } from '@hono/zod-openapi'

/** A pool's name: the KafkaPool's, so a DNS label. */
export const PoolNameSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and hyphens')

/** What the platform admin says of a pool: by PUT /admin/v1/pools/{pool} or FJORD_POOLS_FILE. */
export const PoolSpecSchema = z
  .object({
    bootstrapServers: z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port')).min(1),
    securityProtocol: z.enum(['SASL_PLAINTEXT', 'SASL_SSL']).default('SASL_PLAINTEXT'),
    saslMechanism: z
      .enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'])
      .default('SCRAM-SHA-256')
      .openapi({
        description:
          "How the admin logs in. Not SCRAM-SHA-512, the tenants' mechanism: a Kafka restart can drop every login of a mechanism that saw a removal (KAFKA-20774)",
      }),
    admin: z
      .object({ username: z.string().min(1).max(200), password: z.string().min(1).max(500) })
      .strict()
      .openapi({ description: 'Kept only in a Kubernetes Secret beside the pool' }),
    maxPartitions: z.number().int().min(1).max(1_000_000),
    region: z.string().min(1).max(64).optional(),
  })
  .strict()
  .openapi('PoolSpec')

export type PoolSpec = z.output<typeof PoolSpecSchema>
