import type { Rule } from '../types';
import { aclUnknownActor } from './acl-unknown-actor';
import { aclUnknownGroup } from './acl-unknown-group';
import { clientAclMissingDefaults } from './client-acl-missing-defaults';
import { clientsGroupMissingClients } from './clients-group-missing-clients';
import { cookbookMetadata } from './cookbook-metadata';
import { duplicateUserEmail } from './duplicate-user-email';
import { invalidJson } from './invalid-json';
import { invalidUserEmail } from './invalid-user-email';
import { invitationUnknownUser } from './invitation-unknown-user';
import { memberUnknownUser } from './member-unknown-user';
import { orgFileMissing } from './org-file-missing';
import { orgJsonExtraFields } from './org-json-extra-fields';
import { runListItem } from './run-list-item';
import { userAclMissing } from './user-acl-missing';
import { userAclServerAdmins } from './user-acl-server-admins';

/**
 * Order matters where rules feed each other: invalid-json first, so its files are known bad before anyone reads them;
 * members are pruned before ACL actors are judged against them; client ACLs are created before ACLs are checked; ACL
 * actors may add members before user ACLs get each member org's read-access group.
 */
export const RULES: readonly Rule[] = [
  invalidJson,
  invalidUserEmail,
  duplicateUserEmail,
  orgFileMissing,
  orgJsonExtraFields,
  invitationUnknownUser,
  memberUnknownUser,
  clientsGroupMissingClients,
  clientAclMissingDefaults,
  aclUnknownActor,
  aclUnknownGroup,
  userAclMissing,
  userAclServerAdmins,
  runListItem,
  cookbookMetadata,
];
