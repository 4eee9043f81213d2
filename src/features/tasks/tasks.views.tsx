// The "Tasks" admin page: scheduled tasks with "Run now", queued and failed jobs, the task log.

import { formatInstant } from "../../shared/time-zone.js";
import { AdminLayout } from "../../views/admin-layout.js";
import { DataTable } from "../../views/data-table.js";
import { formatInterval } from "../../views/format.js";
import { Csrf } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { AdHocTaskType, JobRow, ScheduledTaskView, TaskLogEntry } from "./tasks.service.js";

function PostButton({
  action,
  csrf,
  label,
  name,
}: {
  action: string;
  csrf: string;
  label: string;
  name: string;
}) {
  return (
    <form method="post" action={action} class="inline">
      <Csrf token={csrf} />
      <button type="submit" class="secondary small" aria-label={`${label}: ${name}`}>
        {label}
      </button>
    </form>
  );
}

function StatusText({ status }: { status: string | null }) {
  if (!status) return <span class="muted">never run</span>;
  const tone = status === "ok" ? "ok" : status === "failed" ? "warn" : "off";
  return <span class={`badge ${tone} status-${status}`}>{status === "ok" ? "OK" : status}</span>;
}

export function TasksPage({
  pc,
  scheduled,
  adHoc,
  jobs,
  counts,
  log,
}: {
  pc: PageContext;
  scheduled: ScheduledTaskView[];
  adHoc: AdHocTaskType[];
  jobs: JobRow[];
  counts: Record<string, number>;
  log: TaskLogEntry[];
}) {
  return (
    <AdminLayout pc={pc} title="Tasks">
      <section aria-labelledby="scheduled-heading">
        <h2 id="scheduled-heading">Scheduled tasks</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Runs</th>
                <th scope="col">Last run</th>
                <th scope="col">Last status</th>
                <th scope="col">Next run</th>
                <th scope="col">Last message</th>
                <th scope="col">Failures</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {scheduled.map((t) => (
                <tr key={t.name} id={`task-${t.name}`}>
                  <th scope="row">
                    <code>{t.name}</code>
                    <br />
                    <span class="muted">{t.description}</span>
                  </th>
                  <td>{formatInterval(t.intervalSeconds)}</td>
                  <td>{formatInstant(t.lastRunAt, pc.timeZone)}</td>
                  <td>
                    <StatusText status={t.lastStatus} />
                    {t.lastDurationMs !== null ? <span class="muted"> ({t.lastDurationMs} ms)</span> : null}
                  </td>
                  <td>{t.enabled ? formatInstant(t.nextRunAt, pc.timeZone) : <strong>Disabled</strong>}</td>
                  <td>{t.lastMessage || "—"}</td>
                  <td>{t.failures}</td>
                  <td class="task-actions">
                    <PostButton
                      action={`/admin/tasks/${t.name}/run`}
                      csrf={pc.csrf}
                      label="Run now"
                      name={t.name}
                    />{" "}
                    <PostButton
                      action={`/admin/tasks/${t.name}/${t.enabled ? "disable" : "enable"}`}
                      csrf={pc.csrf}
                      label={t.enabled ? "Disable" : "Enable"}
                      name={t.name}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Ad-hoc jobs</h2>
        <p>
          Pending: {counts.pending ?? 0} · Running: {counts.running ?? 0} · Failed: {counts.failed ?? 0} ·
          Done: {counts.done ?? 0}
        </p>
        {jobs.length > 0 ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Task</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Queued</th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.id}>
                    <th scope="row">#{j.id}</th>
                    <td>
                      <code>{j.name}</code>
                    </td>
                    <td>
                      <StatusText status={j.status} />
                    </td>
                    <td>
                      {j.attempts} of {j.maxAttempts}
                    </td>
                    <td>{j.status === "pending" ? formatInstant(j.runAt, pc.timeZone) : "—"}</td>
                    <td>{j.lastError ?? "—"}</td>
                    <td>{formatInstant(j.createdAt, pc.timeZone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No pending or failed jobs.</p>
        )}
        {adHoc.length > 0 ? (
          <>
            <h3>Ad-hoc task types</h3>
            <ul>
              {adHoc.map((t) => (
                <li key={t.name}>
                  <code>{t.name}</code>: {t.description} (up to {t.maxAttempts} attempts)
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Recent task log</h2>
        <DataTable
          wrap
          rows={log}
          rowKey={(e) => e.id}
          empty="No task has run yet."
          columns={[
            { header: "Started", cell: (e) => formatInstant(e.startedAt, pc.timeZone) },
            { header: "Task", cell: (e) => <code>{e.task}</code> },
            { header: "Job", cell: (e) => (e.jobId !== null ? `#${e.jobId}` : "scheduled") },
            { header: "Status", cell: (e) => <StatusText status={e.status} /> },
            { header: "Duration", cell: (e) => `${e.durationMs} ms` },
            { header: "Message", cell: (e) => e.message || "—" },
          ]}
        />
      </section>
    </AdminLayout>
  );
}
