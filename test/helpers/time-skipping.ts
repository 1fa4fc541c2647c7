import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SearchAttributeType } from '@temporalio/common';
import { COHORT_SEARCH_ATTRIBUTES } from '../../lib/temporal/search-attributes';
import { requireTool } from '../../scripts/lib/tools';

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not a direct dependency).
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * The time-skipping test server with Cohort's search attributes registered: a workflow
 * that upserts CohortPhase fails its task on a server that does not know the attribute.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTool('temporal-test-server') } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      COHORT_SEARCH_ATTRIBUTES.map((key) => {
        if (key.type !== SearchAttributeType.KEYWORD) throw new Error(`${key.name}: register its type here`);
        return [key.name, INDEXED_VALUE_TYPE_KEYWORD];
      }),
    ),
  });
  return env;
}
