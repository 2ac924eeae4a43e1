// The caller's role (gateway/README.md, "API keys and roles") and what the
// dashboard offers each. The role comes from `GET /v1/whoami` ({role:
// admin|agent|analyst|service|customer, keyId, ...}), once per sign-in, and
// is kept in sessionStorage with the key. Only a gateway without that route
// (404) has the role inferred, as before it existed, from how the access
// table answers side-effect-free reads:
//   GET /v1/customers?filter=email = "…"   200: admin or agent; 403: analyst
//                                          (an email filter would reveal what
//                                          masking hides) or service
//   GET /v1/accounts/role-probe:verifyLedger   admin only (agent 403; an
//                                          admin gets 404: no such account)
//   GET /v1/customerScores?pageSize=1      analyst 200; service 403
// Those probes (`probeUrls`) and that 404 are the only 4xx answers a
// signed-in dashboard provokes on purpose.
import { ApiError, api } from './api.js';

const roleStorage = 'crm.role';

export const probeUrls = ['probe%40example.invalid', 'role-probe:verifyLedger'];

// What each role may do here (the rules in gateway/auth/access_rules.cc).
const capabilities = {
  admin: ['segmentEditor', 'acknowledgeAlert', 'searchContact'],
  agent: ['acknowledgeAlert', 'searchContact'],
  analyst: ['segmentEditor'],
  service: [],
  customer: [],
};

export const roles = Object.keys(capabilities);

export function can(role, capability) {
  return (capabilities[role] || []).includes(capability);
}

// The pages a role sees in the navigation (all while the role is not known
// yet: each page offers no write action until it is). Service keys and
// customer tokens get none: the dashboard is for staff.
export function pagesFor(role) {
  return role === 'service' || role === 'customer' ? []
    : ['/', '/customers', '/segments', '/loyalty', '/feedback'];
}

// The role of a /v1/whoami answer; throws for an answer without a role
// this dashboard knows.
export function roleOfWhoami(answer) {
  const role = answer?.role;
  if (!roles.includes(role)) throw new Error(`whoami: unknown role "${role ?? ''}"`);
  return role;
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

async function probeRole() {
  const contact = await statusOf('/v1/customers',
    { pageSize: 1, filter: 'email = "probe@example.invalid"' });
  if (contact === 200) {
    return (await statusOf('/v1/accounts/role-probe:verifyLedger')) === 403 ? 'agent' : 'admin';
  }
  if (contact === 403) {
    return (await statusOf('/v1/customerScores', { pageSize: 1 })) === 200 ? 'analyst' : 'service';
  }
  throw new Error(`HTTP ${contact}`);
}

export async function detectRole() {
  const saved = storedRole();
  if (saved) return saved;
  let role;
  try {
    role = roleOfWhoami(await api.get('/v1/whoami'));
  } catch (error) {
    if (!(error instanceof ApiError && error.httpStatus === 404)) throw error;
    role = await probeRole();
  }
  sessionStorage.setItem(roleStorage, role);
  return role;
}
