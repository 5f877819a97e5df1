export { hostInfo, isHostRoot } from './host-info.js';
export { compareKernel, installedKernels } from './kernels.js';
export { osvEcosystem, parseOsRelease, readOsRelease, type OsRelease } from './os-release.js';
export { createDriver, detectPackageManager, type CreateDriverOptions } from './package-manager.js';
export { packageArch, readPlatform } from './platform.js';
export { rebootStatus, type ExtraRebootSignal, type RebootInput } from './reboot.js';
