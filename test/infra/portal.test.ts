import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { portalPageHeaders } from '../../functions/admin-api/portal.js';
import {
  actionsOf,
  buildTestApp,
  configProblems,
  expectCount,
  expectOutput,
  expectProperties,
  functionEnvOf,
  portalOidcContext,
  portalTestDomain as domain,
  portalTestCertificate as certificate,
  portalTestIdpSecret as idpSecret,
  resourcesOfType,
  statementsOf,
  synthesizedForSuite,
  templatesOf,
  type Resource,
} from './build.js';

/** ADFS over SAML with a custom sign-in host. */
const samlContext = {
  portalIdpType: 'saml',
  portalIdpName: 'ADFS',
  portalSamlMetadataUrl: 'https://adfs.corp.example.com/FederationMetadata/2007-06/FederationMetadata.xml',
  portalDomainName: domain,
  portalCertificateArn: certificate,
  portalAuthDomainName: 'login.blink-admin.corp.example.com',
  portalAuthCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/99999999-2222-3333-4444-555555555555',
};

const methodsOf = (resources: [string, Resource][]) =>
  resources.map(([, method]) => method.Properties as { HttpMethod: string; AuthorizationType: string } & Resource);

describe('the admin portal deployed behind the organisation identity provider (OIDC)', () => {
  const t = synthesizedForSuite(portalOidcContext);

  it('federates a user pool nobody can sign up to, MFA left to the IdP', () => {
    expectProperties(t.admin, 'AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OFF',
      Schema: [Match.objectLike({ Name: 'groups', Mutable: true, StringAttributeConstraints: { MaxLength: '2048' } })],
    });
    expectProperties(t.admin, 'AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'EntraID',
      ProviderType: 'OIDC',
      ProviderDetails: Match.objectLike({
        oidc_issuer: portalOidcContext.portalOidcIssuer,
        client_id: portalOidcContext.portalOidcClientId,
        // Resolved by CloudFormation at deploy time: the IdP's secret is never in the template.
        client_secret: `{{resolve:secretsmanager:${idpSecret}:SecretString:::}}`,
      }),
      AttributeMapping: { 'custom:groups': 'groups', name: 'name', email: 'email' },
    });
  });

  it('has one app client: code flow only, a secret, callbacks on the admin origin, the IdP only', () => {
    expectCount(t.admin, 'AWS::Cognito::UserPoolClient', 1);
    expectProperties(t.admin, 'AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      // No aws.cognito.signin.user.admin: no token this client issues may rewrite custom:groups.
      AllowedOAuthScopes: ['openid', 'profile'],
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      CallbackURLs: [`https://${domain}/admin/portal/callback`],
      LogoutURLs: [`https://${domain}/admin/`],
      SupportedIdentityProviders: [Match.objectLike({ Ref: Match.stringLikeRegexp('^PortalSignInProvider') })],
      ReadAttributes: ['custom:groups', 'email', 'name'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    expectProperties(t.admin, 'AWS::Cognito::UserPoolDomain', { Domain: 'corp-blink-admin' });
  });

  it("gives the admin function the pool's issuer, the client, the groups attribute and the secret by ARN", () => {
    const env = functionEnvOf(t, 'blink-admin-api');
    expect(env).toMatchObject({
      PORTAL_BASE_URL: `https://${domain}`,
      PORTAL_OIDC_GROUPS_CLAIM: 'custom:groups',
      PORTAL_OIDC_SCOPES: 'openid profile',
      PORTAL_TECHNICIAN_GROUPS: portalOidcContext.portalTechnicianGroups,
      PORTAL_ADMIN_GROUPS: 'Blink Admins',
    });
    expect(JSON.stringify(env.PORTAL_OIDC_ISSUER)).toMatch(/https:\/\/cognito-idp\..*PortalSignInUserPool/);
    expect(JSON.stringify(env.PORTAL_OIDC_CLIENT_ID)).toMatch(/PortalSignInUserPoolPortalClient/);
    expect(JSON.stringify(env.PORTAL_OIDC_CLIENT_SECRET_ARN)).toMatch(/PortalSignInClientSecret/);
    expect(env.PORTAL_OIDC_CLIENT_SECRET).toBeUndefined();
    expectProperties(t.admin, 'AWS::SecretsManager::Secret', {
      SecretString: {
        'Fn::GetAtt': [Match.stringLikeRegexp('DescribeCognitoUserPoolClient'), 'UserPoolClient.ClientSecret'],
      },
    });
  });

  it('grants the admin function what the help desk needs: the queue, SMS, the code key and the client secret', () => {
    const statements = statementsOf([t.admin], 'AdminFunctionRole');
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sms-voice:SendTextMessage', 'secretsmanager:GetSecretValue']),
    );
    const secretReads = statements.filter((statement) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue'),
    );
    expect(secretReads.map((statement) => JSON.stringify(statement.Resource))).toEqual([
      expect.stringMatching(/TokenHmacSecret/),
      expect.stringMatching(/PortalSignInClientSecret/),
    ]);
    expect(actions).not.toContain('dynamodb:Scan');
    // The emergency path announces itself on the alarm topic: Publish on that topic only.
    const publish = statements.filter((statement) => actionsOf(statement).includes('sns:Publish'));
    expect(publish.map((statement) => JSON.stringify(statement.Resource))).toEqual([
      expect.stringMatching(/BlinkMessaging.*AlarmTopic/),
    ]);
    expect(JSON.stringify(functionEnvOf(t, 'blink-admin-api').PORTAL_ALARM_TOPIC_ARN)).toMatch(/AlarmTopic/);
  });

  it("queues caller approval pushes for the web-push sender: the queue's URL and send rights, no VAPID key", () => {
    const env = functionEnvOf(t, 'blink-admin-api');
    expect(JSON.stringify(env.WEB_PUSH_QUEUE_URL)).toMatch(/WebPushQueue/);
    expect(env).not.toHaveProperty('VAPID_SECRET_ARN');
    const sends = statementsOf([t.admin], 'AdminFunctionRole').filter((statement) =>
      JSON.stringify(statement.Resource).includes('WebPushQueue'),
    );
    expect(sends.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
  });

  it('serves the portal routes without IAM and keeps IAM on every other admin route', () => {
    const methods = resourcesOfType([t.admin], 'AWS::ApiGateway::Method');
    const byPath = new Map<string, { HttpMethod: string; AuthorizationType: string }>();
    const resources = new Map(resourcesOfType([t.admin], 'AWS::ApiGateway::Resource'));
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      const resource = id ? resources.get(id) : undefined;
      if (!resource) return '';
      return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
    };
    for (const method of methodsOf(methods)) {
      const properties = method as unknown as { ResourceId: unknown; HttpMethod: string; AuthorizationType: string };
      byPath.set(`${properties.HttpMethod} ${pathOf(properties.ResourceId)}`, properties);
    }
    expect([...byPath.keys()].sort()).toEqual(
      [
        'ANY /admin/{proxy+}',
        'GET /admin',
        'GET /admin/portal/sign-in',
        'GET /admin/portal/callback',
        'POST /admin/portal/sign-out',
        'ANY /admin/portal/api/{proxy+}',
        'GET /admin/portal/{file+}',
      ].sort(),
    );
    for (const [route, method] of byPath) {
      expect([route, method.AuthorizationType]).toEqual([route, route === 'ANY /admin/{proxy+}' ? 'AWS_IAM' : 'NONE']);
    }
  });

  it("serves the portal's page and files from S3 with the portal's CSP, not from the function", () => {
    const s3Methods = resourcesOfType([t.admin], 'AWS::ApiGateway::Method').filter(([, method]) =>
      JSON.stringify(method.Properties?.Integration ?? {}).includes(':s3:path/'),
    );
    expect(s3Methods).toHaveLength(2);
    const csp = `'${portalPageHeaders['content-security-policy']?.replaceAll("'", "\\'")}'`;
    expect(csp).toContain("script-src \\'self\\'");
    for (const [, method] of s3Methods) {
      const integration = method.Properties?.Integration as {
        IntegrationResponses: { StatusCode: string; ResponseParameters: Record<string, string> }[];
        Uri: unknown;
      };
      expect(JSON.stringify(integration.Uri)).toMatch(/admin\/portal\/(index\.html|\{file\})/);
      const ok = integration.IntegrationResponses.find((response) => response.StatusCode === '200');
      expect(ok?.ResponseParameters).toMatchObject({
        'method.response.header.content-security-policy': csp,
        'method.response.header.x-content-type-options': "'nosniff'",
        'method.response.header.referrer-policy': "'no-referrer'",
      });
    }
    const deployments = resourcesOfType([t.admin], 'Custom::CDKBucketDeployment').map(([, r]) => r.Properties ?? {});
    expect(deployments.map((deployment) => deployment.DestinationBucketKeyPrefix)).toEqual([
      'admin/portal/',
      'admin/portal/',
    ]);
    const reads = statementsOf([t.admin], 'PortalFilesReadRole');
    expect(reads.map((statement) => [actionsOf(statement), JSON.stringify(statement.Resource)])).toEqual([
      [['s3:GetObject'], expect.stringContaining('/admin/portal/*')],
    ]);
  });

  it('puts the admin API on its own host name (never the public one) and says how to wire DNS and the IdP', () => {
    expectProperties(t.admin, 'AWS::ApiGateway::DomainName', {
      DomainName: domain,
      RegionalCertificateArn: certificate,
      SecurityPolicy: 'TLS_1_2',
    });
    expectCount(t.api, 'AWS::ApiGateway::DomainName', 0);
    expect(JSON.stringify(resourcesOfType([t.api], 'AWS::ApiGateway::Resource'))).not.toContain('"portal"');
    expectOutput(t.admin, 'PortalDnsTarget', {});
    const redirect = JSON.stringify(t.admin.toJSON().Outputs.PortalIdpRedirectUri.Value);
    expect(redirect).toMatch(/"https:\/\/corp-blink-admin\.auth\.".*"\.amazoncognito\.com\/oauth2\/idpresponse"/);
  });
});

describe('the admin portal behind ADFS (SAML) with a custom sign-in host', () => {
  const t = synthesizedForSuite(samlContext);

  it("maps the SAML group claim from the metadata URL's IdP into custom:groups", () => {
    expectProperties(t.admin, 'AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'ADFS',
      ProviderType: 'SAML',
      ProviderDetails: Match.objectLike({ MetadataURL: samlContext.portalSamlMetadataUrl }),
      AttributeMapping: Match.objectLike({
        'custom:groups': 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
      }),
    });
    expectProperties(t.admin, 'AWS::Cognito::UserPoolDomain', {
      Domain: samlContext.portalAuthDomainName,
      CustomDomainConfig: { CertificateArn: samlContext.portalAuthCertificateArn },
    });
  });
});

describe('without portal settings', () => {
  it('has no user pool and no route without IAM', () => {
    const t = templatesOf(buildTestApp());
    expectCount(t.admin, 'AWS::Cognito::UserPool', 0);
    for (const [, method] of resourcesOfType([t.admin], 'AWS::ApiGateway::Method'))
      expect(method.Properties?.AuthorizationType).toBe('AWS_IAM');
    expect(functionEnvOf(t, 'blink-admin-api').PORTAL_OIDC_ISSUER).toBeUndefined();
  });
});

describe('portal settings', () => {
  it('name what is missing for the chosen IdP type, and what does not belong', () => {
    expect(configProblems({ portalIdpType: 'oidc' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^portalDomainName: is required with portalIdpType=oidc/),
        expect.stringMatching(/^portalOidcClientSecretArn: is required/),
        expect.stringMatching(/^portalAuthDomainPrefix: give either/),
      ]),
    );
    expect(configProblems({ ...samlContext, portalOidcClientId: 'x' })).toEqual([
      expect.stringMatching(/^portalOidcClientId: does not apply to portalIdpType=saml/),
    ]);
    expect(configProblems({ portalDomainName: domain })).toEqual([
      expect.stringMatching(/^portalDomainName: is a portal setting: set portalIdpType/),
    ]);
    expect(configProblems({ ...portalOidcContext, portalOidcIssuer: 'http://idp.example.com' })).toEqual([
      expect.stringMatching(/^portalOidcIssuer: must be an https:\/\/ URL/),
    ]);
    expect(configProblems(portalOidcContext)).toEqual([]);
  });
});
