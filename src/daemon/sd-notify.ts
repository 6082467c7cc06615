/**
 * systemd readiness (`Type=notify`): once the socket answers, `READY=1` goes to `$NOTIFY_SOCKET`. That is
 * a datagram on a Unix socket, which Node cannot send without a native module, so the daemon runs
 * systemd's own `systemd-notify --ready`. By default that tool waits until the service manager has
 * processed the message, so systemd still finds it in the service's cgroup; the unit says
 * `NotifyAccess=all` because the message comes from that child, not from the main process.
 *
 * Without `$NOTIFY_SOCKET` (not under systemd, or another `Type=`) nothing is run.
 */
import { execFile } from 'node:child_process';

/** What the caller is told: the outcome of one notification, for its log. */
export type NotifyOutcome = { readonly sent: true } | { readonly sent: false; readonly reason: string };

/** How long systemd-notify may take; it normally answers within milliseconds. */
const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * Tells systemd the daemon is ready (with a status line), if `env.NOTIFY_SOCKET` is set.
 * @returns undefined when there is no NOTIFY_SOCKET; otherwise whether the notification went out.
 */
export async function notifyReady(
  env: NodeJS.ProcessEnv,
  status: string,
  program = 'systemd-notify',
): Promise<NotifyOutcome | undefined> {
  if (!env.NOTIFY_SOCKET) return undefined;
  return new Promise((resolve) => {
    execFile(program, ['--ready', `--status=${status}`], { env, timeout: NOTIFY_TIMEOUT_MS }, (err, _out, stderr) => {
      if (!err) resolve({ sent: true });
      else resolve({ sent: false, reason: `${program}: ${String(stderr).trim() || err.message}` });
    });
  });
}
