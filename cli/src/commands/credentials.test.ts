import type { components } from '@fjord/client/schema'
import { expect, test } from 'vitest'
import { clientConfigAs, storedCredential } from './credentials.ts'

const anIssuedCredential = (
  connection: Partial<components['schemas']['Connection']> = {},
): components['schemas']['IssuedCredential'] => ({
  id: '3f0c1a52-6c0e-4f47-9a57-2f6f2bb3b1a1',
  username: 'acme-main.shop',
  mechanism: 'SCRAM-SHA-512',
  createdAt: '2026-03-01T10:00:00.000Z',
  password: 'pw',
  loginReady: true,
  connection: {
    bootstrapServers: '127.0.0.1:19092,127.0.0.1:19093',
    securityProtocol: 'SASL_PLAINTEXT',
    saslMechanism: 'SCRAM-SHA-512',
    username: 'acme-main.shop',
    password: 'pw',
    topicPrefix: 'acme-main.',
    ...connection,
  },
  clientConfig: {
    kcat: 'bootstrap.servers=127.0.0.1:19092\n',
    javaProperties: 'bootstrap.servers=127.0.0.1:19092\n',
    node: {
      bootstrapBrokers: ['127.0.0.1:19092'],
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'acme-main.shop', password: 'pw' },
    },
  },
})

test('env lines name each setting, unquoted when a shell and docker read them alike', () => {
  expect(clientConfigAs('env', anIssuedCredential({ password: 'Ab-_09' }))).toBe(
    [
      'KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092,127.0.0.1:19093',
      'KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT',
      'KAFKA_SASL_MECHANISM=SCRAM-SHA-512',
      'KAFKA_SASL_USERNAME=acme-main.shop',
      'KAFKA_SASL_PASSWORD=Ab-_09',
      'KAFKA_TOPIC_PREFIX=acme-main.',
      '',
    ].join('\n'),
  )
})

test('env lines quote a value a shell would split or expand', () => {
  const env = clientConfigAs('env', anIssuedCredential({ password: `it's $HOME` }))
  expect(env).toContain(`KAFKA_SASL_PASSWORD='it'\\''s $HOME'\n`)
  expect(clientConfigAs('env', anIssuedCredential({ bootstrapServers: null }))).toContain(
    'KAFKA_BOOTSTRAP_SERVERS=\n',
  )
})

test('kcat, java and node are the configs the API made', () => {
  const issued = anIssuedCredential()
  expect(clientConfigAs('kcat', issued)).toBe(issued.clientConfig.kcat)
  expect(clientConfigAs('java', issued)).toBe(issued.clientConfig.javaProperties)
  expect(JSON.parse(clientConfigAs('node', issued))).toEqual(issued.clientConfig.node)
})

test('the profile keeps the connection and the credential’s id', () => {
  const issued = anIssuedCredential()
  expect(storedCredential(issued)).toEqual({ id: issued.id, ...issued.connection })
})
