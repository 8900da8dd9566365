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

  it('reads the start-up and shutdown settings', () => {
    expect(loadConfig({})).toMatchObject({ shutdownGraceSeconds: 20 })
    expect(
      loadConfig({
        FJORD_POOLS_FILE: '/etc/fjord/pools/pools.json',
        FJORD_KUBE_IN_CLUSTER: 'true',
        FJORD_PORT_FILE: '/tmp/port',
        FJORD_SHUTDOWN_GRACE_SECONDS: '45',
      }),
    ).toMatchObject({
      poolsFile: '/etc/fjord/pools/pools.json',
      portFile: '/tmp/port',
      shutdownGraceSeconds: 45,
    })
  })

  it('refuses a pools file without a Kubernetes to register them in, and a grace of nothing', () => {
    const refusal = () =>
      loadConfig({ FJORD_POOLS_FILE: '/pools.json', FJORD_SHUTDOWN_GRACE_SECONDS: '0' })
    expect(refusal).toThrow(
      /FJORD_POOLS_FILE: pools are registered in Kubernetes: set FJORD_KUBECONFIG/,
    )
    expect(refusal).toThrow(/FJORD_SHUTDOWN_GRACE_SECONDS: Too small/)
  })
})
