import { Router } from '../router';
import { aclRoutes } from './acls';
import { bookshelfRoutes } from './bookshelf';
import { chefObjectRoutes } from './chef-objects';
import { clientRoutes } from './clients';
import { containerRoutes } from './containers';
import { cookbookRoutes } from './cookbooks';
import { dataBagRoutes } from './data-bags';
import { globalRoutes } from './global';
import { groupRoutes } from './groups';
import { memberRoutes } from './members';
import { organizationRoutes } from './organizations';
import { policyRoutes } from './policies';
import { policyGroupRoutes } from './policy-groups';
import { sandboxRoutes } from './sandboxes';
import { searchRoutes } from './search';
import { userRoutes } from './users';

export function buildRouter(): Router {
  const r = new Router();
  for (const register of [
    globalRoutes,
    userRoutes,
    organizationRoutes,
    memberRoutes,
    groupRoutes,
    containerRoutes,
    clientRoutes,
    chefObjectRoutes,
    dataBagRoutes,
    sandboxRoutes,
    bookshelfRoutes,
    cookbookRoutes,
    policyRoutes,
    policyGroupRoutes,
    aclRoutes,
    searchRoutes,
  ]) {
    register(r);
  }
  return r;
}
