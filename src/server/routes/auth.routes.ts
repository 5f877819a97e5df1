import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import { SESSION_COOKIE } from '../services/auth.service.js';
import type { Services } from '../services/index.js';

export function authRoutes(router: Router, s: Services, cookie: { secure: boolean; ttlSeconds: number }): void {
  router.route(api.login, async ({ ctx, body, reply }) => {
    const { cookie: value, info } = await s.auth.login(ctx, body.username, body.password);
    void reply.setCookie(SESSION_COOKIE, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: cookie.secure,
      maxAge: cookie.ttlSeconds,
    });
    return info;
  });
  router.route(api.logout, async ({ ctx, reply }) => {
    await s.auth.logout(ctx);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
  });
  router.route(api.getSession, ({ ctx }) => s.auth.sessionInfo(ctx));
  router.route(api.getMe, ({ ctx }) => s.auth.me(ctx));
  router.route(api.changeMyPassword, ({ ctx, body }) => s.auth.changePassword(ctx, body.currentPassword, body.newPassword));
}
