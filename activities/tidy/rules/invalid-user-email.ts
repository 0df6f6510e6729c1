import { emailKey, isValidEmail, placeholderEmail } from '../email';
import { fixFinding } from '../findings';
import { isObject, stripJsonExt } from '../json';
import { userPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'invalid-user-email';

export const invalidUserEmail: Rule = {
  id,
  description:
    'A user without a valid email cannot be created (POST /users 400); it gets a unique placeholder address.',
  async check(ctx) {
    const users = (await ctx.files('users', '.json')).map(stripJsonExt);
    const taken = new Set<string>();
    for (const user of users) {
      const doc = await ctx.json(userPath(user));
      if (isObject(doc) && isValidEmail(doc.email)) taken.add(emailKey(doc.email));
    }
    const findings: TidyFinding[] = [];
    for (const user of users) {
      const doc = await ctx.json(userPath(user));
      if (!isObject(doc) || isValidEmail(doc.email)) continue;
      const email = placeholderEmail(user, taken);
      taken.add(emailKey(email));
      const what = doc.email === undefined ? 'has no email' : `has an invalid email ${JSON.stringify(doc.email)}`;
      findings.push(fixFinding(id, userPath(user), `user ${user} ${what}`, `set email to ${email}`));
      doc.email = email;
      ctx.setJson(userPath(user), doc);
    }
    return findings;
  },
};
