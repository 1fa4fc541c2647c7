import { OAuth2Server } from 'oauth2-mock-server';

export interface FakeAccount {
  sub: string;
  email: string;
  name: string;
  emailVerified?: boolean;
}

/**
 * A local OAuth2/OIDC provider (oauth2-mock-server) that signs in whichever account the
 * test names next. `github` mode speaks GitHub's plain OAuth 2 (no ID token; /user and
 * /user/emails as JSON); `google` mode is OIDC with discovery, ID token and userinfo.
 */
export class FakeOAuthProvider {
  readonly server = new OAuth2Server();
  next: FakeAccount = { sub: 'johndoe', email: 'john@example.test', name: 'John Doe' };
  failTokenExchange = false;

  constructor(readonly mode: 'github' | 'google') {}

  get url(): string {
    return this.server.issuer.url!;
  }

  async start(): Promise<this> {
    await this.server.issuer.keys.generate('RS256');
    await this.server.start(0, '127.0.0.1');
    // Name the loopback address itself: "localhost" may resolve to ::1 first.
    this.server.issuer.url = `http://127.0.0.1:${this.server.address().port}`;
    const service = this.server.service;
    service.on('beforeTokenSigning', (token) => {
      token.payload.sub = this.next.sub;
    });
    service.on('beforeResponse', (response) => {
      if (this.failTokenExchange) {
        response.statusCode = 400;
        response.body = { error: 'invalid_grant', error_description: 'code expired' };
        return;
      }
      if (this.mode === 'github') delete (response.body as Record<string, unknown>).id_token;
    });
    service.on('beforeUserinfo', (response, req) => {
      const account = this.next;
      if (this.mode === 'google') {
        response.body = {
          sub: account.sub,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          name: account.name,
        };
      } else if (req.url?.includes('emails')) {
        response.body = [
          { email: `unverified-${account.email}`, primary: false, verified: false },
          { email: account.email, primary: true, verified: account.emailVerified ?? true },
        ];
      } else {
        response.body = {
          id: Number(account.sub.replace(/\D/g, '') || 1),
          login: account.name.toLowerCase().replace(/\W/g, ''),
          name: account.name,
          email: null,
        };
      }
    });
    return this;
  }

  /** The env a Cohort stack needs to use this provider. */
  env(): Record<string, string> {
    if (this.mode === 'google') {
      return {
        OAUTH_GOOGLE_CLIENT_ID: 'google-client',
        OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
        OAUTH_GOOGLE_ISSUER: this.url,
      };
    }
    return {
      OAUTH_GITHUB_CLIENT_ID: 'github-client',
      OAUTH_GITHUB_CLIENT_SECRET: 'github-secret',
      OAUTH_GITHUB_AUTHORIZE_URL: `${this.url}/authorize`,
      OAUTH_GITHUB_TOKEN_URL: `${this.url}/token`,
      OAUTH_GITHUB_USERINFO_URL: `${this.url}/userinfo`,
      OAUTH_GITHUB_EMAILS_URL: `${this.url}/userinfo?emails=1`,
    };
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
