import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('reads the provisioning settings', () => {
    const config = loadConfig({
      FJORD_KUBECONFIG: '/etc/fjord/kubeconfig',
      FJORD_RESOURCE_LABELS: 'fjord.dev/install=eu,team=kafka',
      FJORD_PLATFORM_TOKEN: 'a-platform-token-of-32-characters',
    })
    expect(config).toMatchObject({
      kubeconfig: '/etc/fjord/kubeconfig',
      kubeInCluster: false,
      systemNamespace: 'fjord-system',
      resourceLabels: { 'fjord.dev/install': 'eu', team: 'kafka' },
    })
  })

  it('refuses bad values, naming each variable', () => {
    const refusal = () =>
      loadConfig({
        FJORD_RESOURCE_LABELS: 'no-equals-sign',
        FJORD_PLATFORM_TOKEN: 'short',
        FJORD_KUBE_IN_CLUSTER: 'maybe',
      })
    expect(refusal).toThrow(/FJORD_RESOURCE_LABELS: .*k=v/)
    expect(refusal).toThrow(/FJORD_PLATFORM_TOKEN: must be at least 16 characters/)
    expect(refusal).toThrow(/FJORD_KUBE_IN_CLUSTER/)
  })
})
