import { Page } from '../../components/ui';

export function AuditPage() {
  return <Page title="AuditPage">Not built yet.</Page>;
}
