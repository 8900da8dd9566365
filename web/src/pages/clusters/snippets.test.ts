import { describe, expect, it } from 'vitest'
import { clusterNameProblem } from './rules.ts'
import { type Connection, snippet, snippetLanguages } from './snippets.ts'

const connection: Connection = {
  bootstrapServers: 'kafka-0.example:9092,kafka-1.example:9092',
  kafkaPrefix: 'acme-shop.',
  securityProtocol: 'SASL_PLAINTEXT',
  username: 'acme-shop.<service-account>',
  password: '<password>',
}

describe('connection snippets', () => {
  it.each(snippetLanguages)(
    '%s logs in with SCRAM-SHA-512 and names topics with the prefix',
    (language) => {
      const text = snippet(language, connection)
      expect(text).toContain('SCRAM-SHA-512')
      expect(text).toContain('acme-shop.orders')
      expect(text).toContain('acme-shop.<service-account>')
      expect(text).toContain('<password>')
    },
  )

  it('writes the properties kcat reads, as the API issues them with a credential', () => {
    expect(snippet('kcat', connection)).toContain(
      [
        'bootstrap.servers=kafka-0.example:9092,kafka-1.example:9092',
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanisms=SCRAM-SHA-512',
        'sasl.username=acme-shop.<service-account>',
        'sasl.password=<password>',
      ].join('\n'),
    )
  })

  it('gives Node one broker per bootstrap server, and TLS on SASL_SSL', () => {
    expect(snippet('node', connection)).toContain(
      'bootstrapBrokers: ["kafka-0.example:9092","kafka-1.example:9092"]',
    )
    expect(snippet('node', connection)).not.toContain('tls')
    expect(snippet('node', { ...connection, securityProtocol: 'SASL_SSL' })).toContain('tls: {}')
  })

  it('takes cluster names the API takes', () => {
    expect(clusterNameProblem('shop')).toBeUndefined()
    expect(clusterNameProblem('s')).toMatch(/At least 2/)
    expect(clusterNameProblem('Shop')).toMatch(/Lowercase/)
    expect(clusterNameProblem('shop-')).toMatch(/ends with a letter or digit/)
  })
})
