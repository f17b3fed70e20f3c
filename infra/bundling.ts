/**
 * How every Lambda is bundled, in one place: the function construct passes these to NodejsFunction and
 * `npm run bench` builds with the same settings, so the sizes it prints are the sizes that ship.
 */
export const lambdaBundling = {
  /** NODE_OPTIONS of every function: stack traces point at the TypeScript sources (the bundle ships a source map). */
  nodeOptions: '--enable-source-maps',
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
    /**
     * Credential providers Lambda never reaches: its credentials are in the environment, so the SDK's default chain
     * stops at the first provider. The rest (profiles, SSO, web identity, the nested STS/SSO clients) is ~90 KB of
     * every bundle and of its compile time at cold start. Left external, they still resolve from the runtime's own
     * copy of the SDK if a chain ever got that far.
     */
    external: [
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-login',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
      '@aws-sdk/nested-clients',
      '@aws-sdk/token-providers',
    ],
  },
} as const;
