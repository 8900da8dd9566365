import { describe, expect, test } from 'vitest'
import { credentialKey, type StoredCredential } from '../config.ts'
import { exitCodes } from '../errors.ts'
import { chooseCredential } from './login.ts'

const aCredential = (username: string): StoredCredential => ({
  id: `id-${username}`,
  bootstrapServers: '127.0.0.1:9092',
  securityProtocol: 'SASL_PLAINTEXT',
  saslMechanism: 'SCRAM-SHA-512',
  username,
  password: 'secret',
  topicPrefix: 'acme-main.',
})
const where = { org: 'acme', cluster: 'main' }
const profileWith = (...accounts: [org: string, cluster: string, account: string][]) => ({
  credentials: Object.fromEntries(
    accounts.map(([org, cluster, account]) => [
      credentialKey(org, cluster, account),
      aCredential(`${org}-${cluster}.${account}`),
    ]),
  ),
})

function refusal(run: () => unknown) {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a refusal')
}

describe('the credential produce and consume log in with', () => {
  test('is the named service account’s', () => {
    const profile = profileWith(['acme', 'main', 'shop'], ['acme', 'main', 'billing'])
    expect(chooseCredential(profile, where, 'billing')).toEqual({
      serviceAccount: 'billing',
      credential: aCredential('acme-main.billing'),
    })
  })

  test('is the only one of the cluster when none is named, whatever other clusters hold', () => {
    const profile = profileWith(
      ['acme', 'main', 'shop'],
      ['acme', 'staging', 'shop'],
      ['other', 'main', 'billing'],
    )
    expect(chooseCredential(profile, where, undefined)).toMatchObject({ serviceAccount: 'shop' })
  })

  test('is none when the named one is not stored: the command to run says how', () => {
    const profile = profileWith(['acme', 'main', 'shop'])
    expect(refusal(() => chooseCredential(profile, where, 'billing'))).toMatchObject({
      exitCode: exitCodes.failure,
      message: 'no stored credential of service account billing for cluster main of acme',
      suggestion: 'run `fjord service-accounts credentials create billing`',
    })
  })

  test('is none when the cluster has none', () => {
    const profile = profileWith(['acme', 'staging', 'shop'])
    expect(refusal(() => chooseCredential(profile, where, undefined))).toMatchObject({
      exitCode: exitCodes.failure,
      message: 'no stored credential of a service account for cluster main of acme',
    })
    expect(refusal(() => chooseCredential({}, where, undefined))).toMatchObject({
      exitCode: exitCodes.failure,
    })
  })

  test('must be named when the cluster has several', () => {
    const profile = profileWith(['acme', 'main', 'shop'], ['acme', 'main', 'billing'])
    expect(refusal(() => chooseCredential(profile, where, undefined))).toMatchObject({
      exitCode: exitCodes.usage,
      message:
        'the profile holds credentials of several service accounts for cluster main: billing, shop',
      suggestion: 'pick one with --service-account, or FJORD_SERVICE_ACCOUNT',
    })
  })
})
