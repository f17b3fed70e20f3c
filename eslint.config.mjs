// Lint rules that keep tests honest (no focused/skipped tests) and code lean (no unused code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';

// Shared code is what functions, the local runtime, the CDK app and scripts are built from: it never imports them.
const outsideShared = {
  regex: '^(\\.\\./)+(functions|local|infra|scripts)(/|$)',
  message: 'shared/ must not import from functions/, local/, infra/ or scripts/: move the code into shared/ instead.',
};
/** A sibling layer of shared/, reached by a relative import (`../ports/x.js`, `../../adapters/y.js`). */
const layer = (name) => ({
  regex: `^(\\.\\./)+${name}(/|$)`,
  message: `This layer must not import shared/${name}/ (see the layer rules in eslint.config.mjs).`,
});
/** AWS and Lambda platform code: adapters and handlers use it, use cases and the domain never do. */
const platform = [
  {
    group: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', '@middy/*', 'aws-lambda'],
    message: 'Use cases and the domain depend on ports, never on the AWS SDK, Powertools, middy or Lambda types.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.bench/', '.local/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message:
            "Use `import * as z from 'zod'`: the named `z` export defeats tree-shaking (443 KB vs 83 KB per bundle).",
        },
      ],
    },
  },
  {
    // Promises are awaited or deliberately let go (`void`, with a comment saying why): a forgotten one fails silently.
    // Type-aware, so only over the files the TypeScript project knows: tsconfig.json's include and the device client
    // module the tests import (its CLI is outside the project).
    files: ['{functions,shared,local,scripts,infra,test}/**/*.ts', 'device-client/client.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Layer rules: imports run inward only (functions and local -> use cases -> ports -> domain; adapters implement ports).
  // One block per layer, because a later `no-restricted-imports` replaces an earlier one instead of adding to it.
  {
    files: ['shared/**/*.ts'],
    // shared/composition/ wires each function's handler factory (functions/<name>/handler.ts) to its adapters for
    // both roots: the one place in shared/ that knows the functions. Everything else in shared/ never does.
    ignores: ['shared/composition/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outsideShared] }] },
  },
  {
    files: ['shared/composition/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              ...outsideShared,
              regex: '^(\\.\\./)+(local|infra|scripts)(/|$)',
              message: 'shared/composition/ may wire functions/, never local/, infra/ or scripts/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/use-cases/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outsideShared, layer('adapters'), ...platform] }] },
  },
  {
    files: ['shared/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [outsideShared, layer('ports'), layer('adapters'), layer('use-cases'), ...platform] },
      ],
    },
  },
  {
    // Plain CommonJS files loaded by tools (jest reporters).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*'] }],
    },
  },
);
