import { expect, test } from '@playwright/test';

test('[OPS] GET /api/health reports database and chain', async ({ request }) => {
  const res = await request.get('/api/health');

  expect(res.status()).toBe(200);
  expect(res.headers()['cache-control']).toContain('no-store');
  const body = await res.json();
  expect(body).toMatchObject({ status: 'ok', database: 'up' });
  expect(body.chain).toHaveProperty('head_seq');
  expect(body.chain.head_seq === null || typeof body.chain.head_seq === 'string').toBe(true);
  expect(body.chain).toHaveProperty('verified_at');
});
