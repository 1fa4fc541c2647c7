import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  baseUrl: string;
  /** `owner/repo` names that exist (case-insensitive, as on GitHub). */
  repos: Set<string>;
  /** Authorization headers received, in order. */
  authorizations: (string | undefined)[];
  /** Answer every request with this status until cleared (undefined). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

/** A loopback peer for GitHub's REST API `GET /repos/{owner}/{repo}`, as Octokit calls it. */
export async function startFakeGitHub(repos: string[] = []): Promise<FakeGitHub> {
  const known = new Set(repos.map((r) => r.toLowerCase()));
  const authorizations: (string | undefined)[] = [];
  let failure: number | undefined;
  const server: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3' });
      res.end(JSON.stringify(body));
    };
    if (failure) return send(failure, { message: 'Server Error' });
    const match = /^\/repos\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match)
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const [owner, repo] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
    const fullName = `${owner}/${repo}`;
    if (!known.has(fullName.toLowerCase())) {
      return send(404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
        status: '404',
      });
    }
    send(200, {
      id: 1,
      name: repo,
      full_name: fullName,
      private: false,
      owner: { login: owner },
      html_url: `https://github.com/${fullName}`,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    repos: known,
    authorizations,
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
