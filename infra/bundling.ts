/**
 * How every Lambda is bundled, in one place: the function construct passes these to NodejsFunction and
 * `npm run bench` builds with the same settings, so the sizes it prints are the sizes that ship.
 */
export const lambdaBundling = {
  /** esbuild options (bench). */
  esbuild: {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // Prefer ES module builds so esbuild can drop unused parts of the AWS SDK and Powertools.
    mainFields: ['module', 'main'],
    legalComments: 'none',
  },
} as const;
