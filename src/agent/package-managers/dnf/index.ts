/** The dnf/rpm package-manager driver (RHEL, Rocky, Alma, Fedora, Amazon Linux 2023), on `/` or a root. */
export { createDnfDriver, type DnfDriver, type DnfDriverOptions } from './dnf-driver.js';
export type { RebootSignal } from './reboot.js';
