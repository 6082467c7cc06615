/**
 * Several daemons on one PostgreSQL database tell each other what they committed: each write transaction
 * sends one NOTIFY whose payload is a JSON array of messages, each stamped with its sender's origin `o`.
 * Listeners (the invoice engine, the outbox) read the others' messages with this one function.
 */

/** A message of a NOTIFY payload: a plain object; `o` names the daemon that sent it. */
export type RemoteMessage = { readonly o?: unknown } & Record<string, unknown>;

/** The messages of `payload` sent by other daemons than `origin`; a malformed payload yields none. */
export function remoteMessages(payload: string, origin: string): RemoteMessage[] {
  let messages: unknown;
  try {
    messages = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(messages)) return [];
  return messages.filter(
    (m): m is RemoteMessage => typeof m === 'object' && m !== null && !Array.isArray(m) && (m as RemoteMessage).o !== origin,
  );
}
