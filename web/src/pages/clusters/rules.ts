// The API's rule for a cluster name (api/src/kafka/names.ts ResourceNameSchema), mirrored.

/** What is wrong with a cluster name, as the API would say; undefined when nothing is. */
export function clusterNameProblem(name: string): string | undefined {
  if (name.length < 2) return 'At least 2 characters'
  if (name.length > 40) return 'At most 40 characters'
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(name)) {
    return 'Lowercase letters, digits and dashes; starts with a letter, ends with a letter or digit'
  }
  return undefined
}
