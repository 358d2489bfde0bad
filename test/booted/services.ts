// The Stacks services of a booted host: started as an operator would, and looked at as systemd sees them.
import type { BootedHost } from '../support/booted-host.js';

export interface ServiceState {
  unit: string;
  /** `systemctl is-active`: active, failed, activating… */
  state: string;
}

/** The host's stacks-* units (node first, so the signer finds it), started, then their state a few seconds on. */
export async function startServices(host: BootedHost, settleMs = 3000): Promise<ServiceState[]> {
  const units = await stacksUnits(host);
  for (const unit of units) await host.exec('systemctl', ['start', unit]);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return serviceStates(host, units);
}

export async function stacksUnits(host: BootedHost): Promise<string[]> {
  const listed = await host.exec('systemctl', ['list-unit-files', '--no-legend', '--type=service', 'stacks-*']);
  return listed.stdout
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((unit) => unit.endsWith('.service'))
    .sort((a, b) => (a === 'stacks-node.service' ? -1 : b === 'stacks-node.service' ? 1 : a.localeCompare(b)));
}

export async function serviceStates(host: BootedHost, units: readonly string[]): Promise<ServiceState[]> {
  const states: ServiceState[] = [];
  for (const unit of units) {
    const state = await host.exec('systemctl', ['is-active', unit]);
    states.push({ unit, state: state.stdout.trim() });
  }
  return states;
}

/** `systemd-analyze security` on the running system (not --offline): the overall exposure, e.g. "7.7 EXPOSED". */
export async function signerExposure(host: BootedHost, unit = 'stacks-signer.service'): Promise<string | undefined> {
  const result = await host.exec('systemd-analyze', ['security', '--no-pager', unit]);
  return /Overall exposure level for \S+: (\d+\.\d+ \S+)/.exec(result.stdout)?.[1];
}

/** What the unit printed (the stand-ins say why they stop), for assertions and failure messages. */
export async function journalOf(host: BootedHost, unit: string): Promise<string> {
  return (await host.exec('journalctl', ['--no-pager', '-o', 'cat', '-u', unit])).stdout;
}

/** Restarts node then signer (failed state cleared first), as an operator would, and reports both a moment later. */
export async function restartAll(host: BootedHost, settleMs = 3000): Promise<ServiceState[]> {
  const units = await stacksUnits(host);
  await host.exec('systemctl', ['reset-failed', ...units]);
  for (const unit of units) await host.exec('systemctl', ['restart', unit]);
  // A loaded machine may take a while to get there: wait out the transitional states (60 s at most), then watch.
  for (let waited = 0; waited < 60_000; waited += 500) {
    const states = await serviceStates(host, units);
    if (!states.some((s) => /^(activating|deactivating|reloading)$/.test(s.state))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return serviceStates(host, units);
}

/** Both units' journals, for a failure message. */
export async function journals(host: BootedHost): Promise<string> {
  const units = await stacksUnits(host);
  const texts = await Promise.all(units.map(async (unit) => `--- ${unit}\n${await journalOf(host, unit)}`));
  return texts.join('\n');
}

export async function stopAll(host: BootedHost): Promise<void> {
  const result = await host.exec('systemctl', ['stop', ...(await stacksUnits(host))]);
  if (result.code !== 0) throw new Error(`systemctl stop: ${result.stderr}`);
}
