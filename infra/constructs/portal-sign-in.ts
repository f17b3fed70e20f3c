import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ProviderAttribute,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolIdentityProviderOidc,
  UserPoolIdentityProviderSaml,
  UserPoolIdentityProviderSamlMetadata,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { BlinkConfig } from '../config.js';

/** The custom attribute the IdP's groups land in; it reaches the portal as the ID token claim `custom:groups`. */
export const PORTAL_GROUPS_ATTRIBUTE = 'groups';
/** Cognito's limit for a custom string attribute: the groups sent must fit (README, "Deploying the admin portal"). */
export const PORTAL_GROUPS_MAX_LENGTH = 2048;

/** The IdP attribute with the groups when portalGroupsClaim is not set: OIDC `groups`, ADFS/Entra's SAML group claim. */
const DEFAULT_GROUPS_CLAIM = {
  oidc: 'groups',
  saml: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
} as const;

export interface PortalSignInProps {
  config: BlinkConfig & { portalIdpType: 'oidc' | 'saml'; portalDomainName: string };
  removalPolicy: RemovalPolicy;
}

/**
 * The portal's sign-in when deployed: a Cognito user pool that only federates to the organisation's identity provider
 * (OIDC or SAML, from cdk context), one confidential app client for the portal (authorization code with PKCE, no
 * other flow, callback on the admin origin), and Cognito's sign-in domain. The portal code sees only OpenID Connect:
 * the pool's issuer, the client id and the client secret, which is copied into Secrets Manager for the function.
 *
 * Nobody can sign up or sign in with a pool password: self sign-up is off, the client supports the IdP only and has
 * no SRP / password flows, and the portal keeps no Cognito token (it redeems the code, verifies the ID token and
 * throws the tokens away), so no user ever holds an access token that could rewrite custom:groups through
 * UpdateUserAttributes; the client also never grants the aws.cognito.signin.user.admin scope.
 */
export class PortalSignIn extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  /** The client secret, copied by CloudFormation from the app client into Secrets Manager. */
  readonly clientSecret: Secret;
  /** What the admin function's environment says about the provider (PORTAL_OIDC_*). */
  readonly issuer: string;
  readonly groupsClaim = `custom:${PORTAL_GROUPS_ATTRIBUTE}`;
  readonly scopes = 'openid profile';

  constructor(scope: Construct, id: string, props: PortalSignInProps) {
    super(scope, id);
    const { config } = props;
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: 'blink-portal',
      selfSignUpEnabled: false,
      // Federated users only: MFA is what the organisation's IdP enforces (issue 12 §1).
      mfa: Mfa.OFF,
      featurePlan: FeaturePlan.ESSENTIALS,
      accountRecovery: AccountRecovery.NONE,
      // No pool password is ever set; the policy is strict anyway so that none could be weak.
      passwordPolicy: {
        minLength: 16,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(1),
      },
      customAttributes: {
        // Mutable: Cognito rewrites mapped attributes at every federated sign-in, so a removed group is gone next time.
        [PORTAL_GROUPS_ATTRIBUTE]: new StringAttribute({ minLen: 0, maxLen: PORTAL_GROUPS_MAX_LENGTH, mutable: true }),
      },
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;

    const groupsClaim = config.portalGroupsClaim ?? DEFAULT_GROUPS_CLAIM[config.portalIdpType];
    const attributeMapping = {
      fullname: ProviderAttribute.other(
        config.portalIdpType === 'oidc' ? 'name' : 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
      ),
      email: ProviderAttribute.other(
        config.portalIdpType === 'oidc'
          ? 'email'
          : 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      ),
      // Cognito names custom attributes in a mapping with their prefix.
      custom: { [`custom:${PORTAL_GROUPS_ATTRIBUTE}`]: ProviderAttribute.other(groupsClaim) },
    };
    const provider =
      config.portalIdpType === 'oidc'
        ? new UserPoolIdentityProviderOidc(this, 'Provider', {
            userPool: this.userPool,
            name: config.portalIdpName,
            issuerUrl: required(config.portalOidcIssuer, 'portalOidcIssuer'),
            clientId: required(config.portalOidcClientId, 'portalOidcClientId'),
            // A dynamic reference: CloudFormation reads the secret at deploy time; it is never in the template.
            clientSecret: SecretValue.secretsManager(
              required(config.portalOidcClientSecretArn, 'portalOidcClientSecretArn'),
            ).unsafeUnwrap(),
            scopes: ['openid', 'profile', 'email'],
            attributeMapping,
          })
        : new UserPoolIdentityProviderSaml(this, 'Provider', {
            userPool: this.userPool,
            name: config.portalIdpName,
            metadata: UserPoolIdentityProviderSamlMetadata.url(
              required(config.portalSamlMetadataUrl, 'portalSamlMetadataUrl'),
            ),
            attributeMapping,
          });

    const portalOrigin = `https://${config.portalDomainName}`;
    this.client = this.userPool.addClient('PortalClient', {
      userPoolClientName: 'blink-portal',
      generateSecret: true,
      // No SRP, password or custom flows: the only way in is the IdP through the authorization endpoint.
      authFlows: { adminUserPassword: false, custom: false, userPassword: false, userSrp: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.PROFILE],
        callbackUrls: [`${portalOrigin}/admin/portal/callback`],
        logoutUrls: [`${portalOrigin}/admin/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.custom(provider.providerName)],
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ fullname: true, email: true })
        .withCustomAttributes(PORTAL_GROUPS_ATTRIBUTE),
      // Mapped attributes must be writable by the client for Cognito to update them at sign-in.
      writeAttributes: new ClientAttributes()
        .withStandardAttributes({ fullname: true, email: true })
        .withCustomAttributes(PORTAL_GROUPS_ATTRIBUTE),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // The portal uses the ID token once, at the callback, and keeps its own session: short tokens.
      idTokenValidity: Duration.minutes(5),
      accessTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.minutes(60),
      authSessionValidity: Duration.minutes(5),
    });
    this.client.node.addDependency(provider);

    this.domain = config.portalAuthDomainName
      ? this.userPool.addDomain('Domain', {
          customDomain: {
            domainName: config.portalAuthDomainName,
            certificate: Certificate.fromCertificateArn(
              this,
              'AuthCertificate',
              required(config.portalAuthCertificateArn, 'portalAuthCertificateArn'),
            ),
          },
        })
      : this.userPool.addDomain('Domain', {
          cognitoDomain: { domainPrefix: required(config.portalAuthDomainPrefix, 'portalAuthDomainPrefix') },
        });

    this.clientSecret = new Secret(this, 'ClientSecret', {
      description: 'Blink: the admin portal app client secret (copied from Cognito)',
      secretStringValue: this.client.userPoolClientSecret,
      removalPolicy: props.removalPolicy,
    });
    this.acknowledgeFindings();
  }

  private acknowledgeFindings(): void {
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        "The pool only federates: the app client supports the organisation's IdP alone and no password flow, so no one signs in with a pool password that MFA could protect; MFA is enforced by the IdP (issue 12: MFA as the IdP enforces it)",
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        "The Plus plan's threat protection scores Cognito-local password sign-ins; every sign-in here is federated and authenticated (and risk-checked) by the organisation's IdP, so Plus would add cost without coverage",
    });
    Validations.of(this.clientSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is the Cognito app client secret, which Cognito generates and only Cognito can rotate (a new client secret); Secrets Manager rotation cannot change it. Replacing the app client rotates it',
    });
    const stack = Stack.of(this);
    const describer = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    const describerFindings: [string, string][] = [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's AwsCustomResource function that reads the app client secret (cognito-idp:DescribeUserPoolClient on this pool only) during deployments; it writes only its own logs",
      ],
      [
        'AwsSolutions-L1',
        "CDK's AwsCustomResource function, whose runtime aws-cdk-lib chooses; it runs only during deployments",
      ],
    ];
    if (describer) for (const [id, reason] of describerFindings) Validations.of(describer).acknowledge({ id, reason });
  }
}

function required(value: string | undefined, key: string): string {
  if (value === undefined) throw new Error(`${key} is required for the portal (checked by infra/config.ts)`);
  return value;
}
