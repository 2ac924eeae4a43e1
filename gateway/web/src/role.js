// The caller's role (gateway/README.md, "API keys and roles") and what the
// dashboard offers each. The gateway has no "who am I" route yet, so the
// role is inferred once per sign-in from how the access table answers two
// side-effect-free reads, and kept in sessionStorage with the key:
//   GET /v1/customers?filter=email = "…"   200: admin or agent; 403: analyst
//                                          (an email filter would reveal what
//                                          masking hides) or service
//   GET /v1/accounts/role-probe:verifyLedger   admin only (agent 403; an
//                                          admin gets 404: no such account)
//   GET /v1/customerScores?pageSize=1      analyst 200; service 403
// These probes are the only 4xx answers a signed-in dashboard provokes on
// purpose (their URLs are `probeUrls`).
import { ApiError, api } from './api.js';

const roleStorage = 'crm.role';

export const probeUrls = ['probe%40example.invalid', 'role-probe:verifyLedger'];

// What each role may do here (the rules in gateway/auth/access_rules.cc).
const capabilities = {
  admin: ['segmentEditor', 'acknowledgeAlert', 'searchContact'],
  agent: ['acknowledgeAlert', 'searchContact'],
  analyst: ['segmentEditor'],
  service: [],
};

export const roles = Object.keys(capabilities);

export function can(role, capability) {
  return (capabilities[role] || []).includes(capability);
}

// The pages a role sees in the navigation (all while the role is not known
// yet: each page offers no write action until it is).
export function pagesFor(role) {
  return role === 'service' ? [] : ['/', '/customers', '/segments', '/loyalty', '/feedback'];
}

export function storedRole() {
  return globalThis.sessionStorage?.getItem(roleStorage) || '';
}

export function forgetRole() {
  globalThis.sessionStorage?.removeItem(roleStorage);
}

async function statusOf(path, params) {
  try {
    await api.get(path, params);
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.httpStatus;
    throw error;
  }
}

export async function detectRole() {
  const saved = storedRole();
  if (saved) return saved;
  let role;
  const contact = await statusOf('/v1/customers',
    { pageSize: 1, filter: 'email = "probe@example.invalid"' });
  if (contact === 200) {
    role = (await statusOf('/v1/accounts/role-probe:verifyLedger')) === 403 ? 'agent' : 'admin';
  } else if (contact === 403) {
    role = (await statusOf('/v1/customerScores', { pageSize: 1 })) === 200 ? 'analyst' : 'service';
  } else {
    throw new Error(`HTTP ${contact}`);
  }
  sessionStorage.setItem(roleStorage, role);
  return role;
}
