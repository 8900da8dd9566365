/** A path on this site: `/orgs/…`, never `//elsewhere` or `/\elsewhere`, which leave it. */
export function isOwnPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\')
}
