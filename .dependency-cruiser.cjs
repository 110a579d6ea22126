// Import rules that keep the shape of the code (npm run check:imports; part of npm run check).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-stands-alone',
      comment: 'shared/ is imported by the server and the web app: it imports neither.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(server|web)/' },
    },
    {
      name: 'no-foreign-routes',
      comment: "A capability calls another's service, never its routes.",
      severity: 'error',
      from: { path: '^server/([^/]+)/' },
      to: { path: '^server/[^/]+/(routes|[^/]+[.]routes)[.]ts$', pathNot: '^server/$1/' },
    },
    {
      name: 'only-app-registers-capabilities',
      comment: 'Capability plugins are registered by server/app.ts alone, in one visible order.',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/app[.]ts$' },
      to: { path: '^server/[^/]+/plugin[.]ts$' },
    },
    {
      name: 'web-not-in-server',
      comment: 'The server serves the built app; it never imports its sources.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^web/' },
    },
    {
      name: 'no-cycles',
      comment: 'Imports point one way: a cycle means two files that are really one, or a missing seam.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.js'] },
  },
};
