import { Octokit } from '@octokit/rest';
import type { Config } from '../config';

export interface RepoChecker {
  /** true when the repository exists and is visible with our token; false on 404. Other failures throw. */
  repoExists(owner: string, repo: string): Promise<boolean>;
}

/** Asks GitHub's REST API (or a loopback stand-in at GITHUB_API_BASE) whether a repository exists. */
export function createGitHubRepoChecker(config: Pick<Config, 'GITHUB_API_BASE' | 'GITHUB_TOKEN'>): RepoChecker {
  const octokit = new Octokit({
    baseUrl: config.GITHUB_API_BASE.replace(/\/+$/, ''),
    auth: config.GITHUB_TOKEN,
    userAgent: 'cohort',
    request: { retries: 0, timeout: 5000 },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return {
    async repoExists(owner, repo) {
      try {
        await octokit.rest.repos.get({ owner, repo });
        return true;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return false;
        throw error;
      }
    },
  };
}
