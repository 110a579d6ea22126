import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditList,
  AuditQuery,
  KeyCreated,
  KeyInput,
  KeyList,
  KeyParams,
  Me,
  Member,
  MemberInput,
  MemberList,
  MemberParams,
} from '../../shared/schemas/auth.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { answer, empty, failure } from '../http/openapi.js';

const tags = ['people'];
const refused = {
  401: failure('Not signed in, or the session has ended (`unauthenticated`).'),
  403: failure('Only an admin of the workspace may (`forbidden`), or the page is of another site.'),
  404: failure('The workspace does not exist or is not yours to see (`unknown_workspace`).'),
};
const notFound = failure(
  'The workspace, or the member or key, does not exist (`unknown_workspace`, `not_found`).',
);

/** Members, keys and the audit log of a workspace: its admins' business. */
export const peopleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const requireWorkspace = (id: string) => app.workspaces.require(id);

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        operationId: 'getMe',
        summary: 'Who is signed in',
        description: 'The person (or the key of a screen), and the workspaces it sees with its role in each.',
        response: { 200: answer(Me, 'The caller and its workspaces.'), 401: refused[401] },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const workspaces = app.workspaces
        .list()
        .map(({ id, name }) => ({ id, name, role: app.auth.roleOf(principal, id) }))
        .filter((w): w is { id: string; name: string; role: NonNullable<typeof w.role> } => !!w.role)
        .sort((a, b) => a.id.localeCompare(b.id));
      const { user, key } = principal;
      return {
        user: user ? { email: user.email, name: user.name, owner: user.owner } : null,
        key: key ? { id: key.id, name: key.name, scopes: key.scopes } : null,
        workspaces,
      };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/members',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        operationId: 'listMembers',
        summary: 'List the members of a workspace',
        description: 'Each person with a role in the workspace (the owner, admin of all, is not listed).',
        params: WorkspaceParams,
        response: { 200: answer(MemberList, 'The members, by e-mail.'), ...refused },
      },
    },
    async (request) => {
      requireWorkspace(request.params.workspace);
      return { rows: app.auth.members(request.params.workspace) };
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/members/:email',
    {
      config: {
        access: 'admin',
        audit: {
          action: 'member.put',
          summary: (request) => `role ${(request.body as MemberInput).role}`,
        },
      },
      schema: {
        tags,
        operationId: 'putMember',
        summary: 'Add a member or change their role',
        description:
          'Gives the person this role in the workspace. A person new to the hub gets the password given, or a generated one that this answer shows once.',
        params: MemberParams,
        body: MemberInput,
        response: {
          200: answer(Member, 'The role changed.'),
          201: answer(Member, 'Added; `password` is shown this once when it was generated.'),
          400: failure(
            'The body is not valid, or the password too weak (`invalid_request`, `weak_password`).',
          ),
          ...refused,
          404: notFound,
        },
      },
    },
    async (request, reply) => {
      const { workspace, email } = request.params;
      requireWorkspace(workspace);
      const { member, created } = await app.auth.putMember(workspace, email, request.body);
      return reply.status(created ? 201 : 200).send(member);
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace/members/:email',
    {
      config: { access: 'admin', audit: { action: 'member.delete' } },
      schema: {
        tags,
        operationId: 'deleteMember',
        summary: 'Remove a member',
        description: 'Takes the person’s role away; their sessions end at once, open live screens included.',
        params: MemberParams,
        response: { 204: empty('Removed.'), ...refused, 404: notFound },
      },
    },
    async (request, reply) => {
      const { workspace, email } = request.params;
      requireWorkspace(workspace);
      await app.auth.deleteMember(workspace, email);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/keys',
    {
      config: {
        access: 'admin',
        audit: {
          action: 'key.create',
          summary: (request) => {
            const { name, scopes } = request.body as KeyInput;
            return `key "${name}" (${scopes.join(', ')})`;
          },
        },
      },
      schema: {
        tags,
        operationId: 'createKey',
        summary: 'Create a key for a producer or a screen',
        description:
          'An `ingest` key posts events to this workspace and nothing else; a `read` key reads like a viewer (a wall screen). Sent as `Authorization: Bearer <key>`. The key is shown this once and stored as a hash.',
        params: WorkspaceParams,
        body: KeyInput,
        response: {
          201: answer(KeyCreated, 'Created: the key, shown this once.'),
          400: failure('The body is not valid (`invalid_request`).'),
          ...refused,
        },
      },
    },
    async (request, reply) => {
      requireWorkspace(request.params.workspace);
      return reply.status(201).send(await app.auth.createKey(request.params.workspace, request.body));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        operationId: 'listKeys',
        summary: 'List the keys of a workspace',
        description: 'Each key with its scopes and when it was last used; never the secret.',
        params: WorkspaceParams,
        response: { 200: answer(KeyList, 'The keys, oldest first.'), ...refused },
      },
    },
    async (request) => {
      requireWorkspace(request.params.workspace);
      return { rows: app.auth.keyList(request.params.workspace) };
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace/keys/:id',
    {
      config: { access: 'admin', audit: { action: 'key.revoke' } },
      schema: {
        tags,
        operationId: 'revokeKey',
        summary: 'Revoke a key',
        description: 'The key stops working at once; screens signed in with it are signed out.',
        params: KeyParams,
        response: { 204: empty('Revoked.'), ...refused, 404: notFound },
      },
    },
    async (request, reply) => {
      requireWorkspace(request.params.workspace);
      await app.auth.revokeKey(request.params.workspace, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        operationId: 'getAudit',
        summary: 'Read the audit log of a workspace',
        description:
          'Who changed what, when and from where, newest first: workspace, brands, metrics, KPIs, objectives, weights, wall layout, members, keys, corrections, quarantine actions, alert acknowledgements.',
        params: WorkspaceParams,
        querystring: AuditQuery,
        response: { 200: answer(AuditList, 'A page of entries; `next` leads to older ones.'), ...refused },
      },
    },
    async (request) => {
      requireWorkspace(request.params.workspace);
      const { before, limit } = request.query;
      return app.auth.audit.page(request.params.workspace, before, limit ?? 100);
    },
  );

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'owner' },
      schema: {
        tags,
        operationId: 'getHubAudit',
        summary: 'Read the hub’s own audit log',
        description:
          'What concerns the hub rather than one workspace, newest first: sign-ins, password changes, deleted workspaces. The owner’s only.',
        querystring: AuditQuery,
        response: {
          200: answer(AuditList, 'A page of entries; `next` leads to older ones.'),
          401: refused[401],
          403: failure('Only the hub’s owner may (`forbidden`).'),
        },
      },
    },
    async (request) => app.auth.audit.page(null, request.query.before, request.query.limit ?? 100),
  );
};
