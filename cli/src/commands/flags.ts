import { InvalidArgumentError, Option } from 'commander'

// Flags several command groups share; their values reach Context through optsWithGlobals.

export const orgFlag = () =>
  new Option('--org <name>', 'the organization (default: FJORD_ORG, then the profile’s)')

export const clusterFlag = () =>
  new Option('--cluster <name>', 'the cluster (default: FJORD_CLUSTER, then the profile’s)')

export const timeoutFlag = () =>
  new Option('--timeout <seconds>', 'with --wait: give up after this long')
    .default(300)
    .argParser(positiveInteger)

export function positiveInteger(value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a positive whole number')
  return number
}
