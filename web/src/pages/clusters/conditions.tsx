import type { Schemas } from '../../api.ts'

type Status = Schemas['Status']

/** A resource's conditions as Kubernetes reports them: what holds, why, and since when. */
export function Conditions({ status }: { status: Status }) {
  if (status.conditions.length === 0) {
    return (
      <p className="muted" role="status">
        No conditions reported yet: the provisioner has not picked it up ({status.phase}).
      </p>
    )
  }
  return (
    <div className="table-wrap">
      <table aria-label="Conditions">
        <thead>
          <tr>
            <th scope="col">Condition</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {status.conditions.map((condition) => (
            <tr key={condition.type}>
              <td>{condition.type}</td>
              <td>{condition.status}</td>
              <td>{condition.reason}</td>
              <td>{condition.message}</td>
              <td>
                <time dateTime={condition.lastTransitionTime}>
                  {new Date(condition.lastTransitionTime).toLocaleString()}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
