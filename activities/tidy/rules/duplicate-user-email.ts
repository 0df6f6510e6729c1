import { emailKey, isValidEmail, placeholderEmail } from '../email';
import { fixFinding } from '../findings';
import { isObject, stripJsonExt } from '../json';
import { userPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'duplicate-user-email';

export const duplicateUserEmail: Rule = {
  id,
  description:
    'Two users with the same email cannot both be created (the 409 is read as "user exists" and the PUT then fails); ' +
    'all but the first user alphabetically get a unique placeholder address.',
  async check(ctx) {
    // files() is sorted, so the first user seen with an address is the alphabetically first one, which keeps it.
    const owner = new Map<string, string>();
    const findings: TidyFinding[] = [];
    const duplicates: { user: string; email: string; firstUser: string }[] = [];
    for (const user of (await ctx.files('users', '.json')).map(stripJsonExt)) {
      const doc = await ctx.json(userPath(user));
      if (!isObject(doc) || !isValidEmail(doc.email)) continue;
      const firstUser = owner.get(emailKey(doc.email));
      if (firstUser === undefined) owner.set(emailKey(doc.email), user);
      else duplicates.push({ user, email: doc.email, firstUser });
    }
    const taken = new Set(owner.keys());
    for (const { user, email, firstUser } of duplicates) {
      const doc = await ctx.json(userPath(user));
      if (!isObject(doc)) continue;
      const placeholder = placeholderEmail(user, taken);
      taken.add(emailKey(placeholder));
      findings.push(
        fixFinding(
          id,
          userPath(user),
          `user ${user} has email ${email}, already used by user ${firstUser}`,
          `set email to ${placeholder}`,
        ),
      );
      doc.email = placeholder;
      ctx.setJson(userPath(user), doc);
    }
    return findings;
  },
};
