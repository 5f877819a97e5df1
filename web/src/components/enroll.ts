/**
 * The commands a host runs to join the fleet: download the agent bundle from this server and
 * enroll with an activation (shown once, with its code), then run the agent as a service.
 */
export function enrollCommand(origin: string, activationId: string, activationCode: string): string {
  return (
    `curl -fsSL ${origin}/downloads/patchwarden-agent.mjs -o patchwarden-agent.mjs && ` +
    `sudo node patchwarden-agent.mjs enroll --server ${origin} --activation-id ${activationId} --activation-code ${activationCode}`
  );
}

/** Installs and starts the agent's systemd unit (run in the directory of the downloaded bundle). */
export const SERVICE_COMMAND = 'sudo node patchwarden-agent.mjs install-service && sudo systemctl enable --now patchwarden-agent';
