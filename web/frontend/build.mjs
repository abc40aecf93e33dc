// Bundles the browser modeler and viewers into web/static/dist (run by `make frontend`).
// Everything comes from npm packages installed by `npm ci`: no CDN, the servers may be offline.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: {
    'process-modeler': 'src/process-modeler.js',
    'decision-modeler': 'src/decision-modeler.js',
    'process-viewer': 'src/process-viewer.js',
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: '../static/dist',
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.eot': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});
