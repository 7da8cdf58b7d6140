/** The account's alias, for alerts to name the account (ACCOUNT_ALIAS_LOOKUP): IAM ListAccountAliases. */
import { type IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import type { AccountNamePort } from '../ports.js';

/** The account's alias (an account has at most one), undefined when it has none. */
export function iamAccountName(client: IAMClient): AccountNamePort {
  return {
    async alias() {
      const response = await client.send(new ListAccountAliasesCommand({}));
      return response.AccountAliases?.[0] || undefined;
    },
  };
}
