import { Page } from '../../components/ui';

export function UsersPage() {
  return <Page title="UsersPage">Not built yet.</Page>;
}
