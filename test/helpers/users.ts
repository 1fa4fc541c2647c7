export { createTestUser, type TestUser } from '../../scripts/lib/fixtures';
