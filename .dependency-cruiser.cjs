/**
 * The import direction of DESIGN.md: a module imports only modules listed before it.
 *   domain, versioning -> advisories, contracts -> store -> deps -> server
 *   agent uses domain, versioning, contracts (never store or server)
 *   cli may use everything (it is the entry point); web uses only contracts.
 * domain and versioning do no IO.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-earlier-layers`,
  comment: `src/${name} may import only: ${allowed.join(', ') || '(nothing in src)'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)] },
});

module.exports = {
  forbidden: [
    layer('domain', []),
    layer('versioning', ['domain']),
    layer('advisories', ['domain', 'versioning']),
    layer('contracts', ['domain', 'versioning']),
    layer('store', ['domain', 'versioning', 'advisories', 'contracts']),
    layer('deps', ['domain', 'versioning', 'advisories', 'contracts', 'store']),
    layer('server', ['domain', 'versioning', 'advisories', 'contracts', 'store', 'deps']),
    layer('agent', ['domain', 'versioning', 'contracts']),
    {
      name: 'web-uses-only-contracts',
      comment: 'web/src (the dashboard) talks to the server only through the API: it may import src/contracts (types) and the pure access rules',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: ['^src/contracts/', '^src/domain/access\\.ts$', '^src/domain/errors\\.ts$'] },
    },
    {
      name: 'web-imports-no-node-builtins',
      comment: 'the dashboard runs in the browser',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-modules-do-no-io',
      comment: 'src/domain and src/versioning are pure: no file system, network, processes or databases',
      severity: 'error',
      from: { path: '^src/(domain|versioning)/' },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: ['^(node:)?(util|crypto)$', 'semver', 'yaml', 'croner'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: ['\\.test\\.ts$', '^test/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
