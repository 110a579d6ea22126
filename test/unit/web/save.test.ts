// @vitest-environment happy-dom
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { apiFetch, setFetch } from '../../../web/src/composables/useApi.js';
import { useSave, type SaveState } from '../../../web/src/composables/useSave.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const REFUSED = {
  error: {
    code: 'invalid_brands',
    message: 'Exactly one brand must be yours.',
    hint: 'Tick "own" on one brand.',
  },
};

/** The hub's answers, released one at a time by the test. */
let answers: ((response: Response) => void)[] = [];
let requests = 0;

afterEach(() => {
  setFetch((input, init) => fetch(input, init));
  answers = [];
  requests = 0;
});

/** A form as the app's forms are: banner, save button, "Saved" status. */
function form(action: () => Promise<unknown> = () => apiFetch('/api/v1/x', { method: 'PUT', body: {} })) {
  setFetch(() => {
    requests++;
    return new Promise((resolve) => answers.push(resolve));
  });
  let state!: SaveState;
  const Form = defineComponent({
    setup() {
      state = useSave();
      const { saving, saved, error, run } = state;
      return () =>
        h('form', { onSubmit: (e: Event) => (e.preventDefault(), run(action)) }, [
          error.value
            ? h('div', { role: 'alert' }, [
                h('p', `${error.value.message} (${error.value.code})`),
                error.value.hint ? h('p', `Hint: ${error.value.hint}`) : null,
              ])
            : null,
          h('button', { type: 'submit', disabled: saving.value }, saving.value ? 'Saving…' : 'Save'),
          saved.value ? h('span', { role: 'status' }, 'Saved') : null,
        ]);
    },
  });
  return { wrapper: mount(Form), state: () => state };
}

/** Lets the fetch promise, the JSON read and the render settle. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  await nextTick();
};

const submit = async (wrapper: VueWrapper) => {
  await wrapper.find('form').trigger('submit');
  await nextTick();
};
const button = (wrapper: VueWrapper) => wrapper.find('button');
const alert = (wrapper: VueWrapper) => wrapper.find('[role="alert"]');
const status = (wrapper: VueWrapper) => wrapper.find('[role="status"]');

describe('useSave', () => {
  it('says "Saving…" and disables the button while the request runs, then "Saved"', async () => {
    const { wrapper } = form();
    expect(button(wrapper).text()).toBe('Save');
    await submit(wrapper);
    expect(button(wrapper).text()).toBe('Saving…');
    expect(button(wrapper).attributes('disabled')).toBeDefined();
    expect(status(wrapper).exists()).toBe(false);

    answers.shift()!(json(200, { ok: true }));
    await settle();
    expect(button(wrapper).text()).toBe('Save');
    expect(button(wrapper).attributes('disabled')).toBeUndefined();
    expect(status(wrapper).text()).toBe('Saved');
    expect(alert(wrapper).exists()).toBe(false);
  });

  it('shows a refusal with the API\'s message, code and hint, and no "Saved"', async () => {
    const { wrapper } = form();
    await submit(wrapper);
    answers.shift()!(json(422, REFUSED));
    await settle();
    expect(alert(wrapper).text()).toContain('Exactly one brand must be yours. (invalid_brands)');
    expect(alert(wrapper).text()).toContain('Hint: Tick "own" on one brand.');
    expect(status(wrapper).exists()).toBe(false);
    expect(button(wrapper).text()).toBe('Save');
  });

  it('keeps the error on screen while a retry runs and removes it once a save succeeds', async () => {
    const { wrapper } = form();
    await submit(wrapper);
    answers.shift()!(json(422, REFUSED));
    await settle();

    await submit(wrapper);
    expect(button(wrapper).text()).toBe('Saving…');
    expect(alert(wrapper).exists()).toBe(true);
    answers.shift()!(json(200, {}));
    await settle();
    expect(alert(wrapper).exists()).toBe(false);
    expect(status(wrapper).text()).toBe('Saved');
  });

  it('clears "Saved" as soon as the next save starts', async () => {
    const { wrapper } = form();
    await submit(wrapper);
    answers.shift()!(json(200, {}));
    await settle();
    expect(status(wrapper).exists()).toBe(true);

    await submit(wrapper);
    expect(status(wrapper).exists()).toBe(false);
    answers.shift()!(json(422, REFUSED));
    await settle();
    expect(status(wrapper).exists()).toBe(false);
    expect(alert(wrapper).exists()).toBe(true);
  });

  it('shows an unreachable hub with its hint', async () => {
    const { wrapper } = form();
    setFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    await submit(wrapper);
    await settle();
    expect(alert(wrapper).text()).toContain('(network_error)');
    expect(alert(wrapper).text()).toContain('Hint: Check that the server is running');
  });

  it('shows a failure that is not an API error instead of swallowing it', async () => {
    const { wrapper } = form(async () => {
      throw new Error('reload failed');
    });
    await submit(wrapper);
    await settle();
    expect(alert(wrapper).text()).toContain('reload failed (client_error)');
    expect(alert(wrapper).text()).toContain('Hint: Reload the page.');
  });

  it('sends one request for a double submit', async () => {
    const { wrapper } = form();
    await submit(wrapper);
    await submit(wrapper);
    expect(requests).toBe(1);
    answers.shift()!(json(200, {}));
    await settle();
    expect(status(wrapper).text()).toBe('Saved');
  });

  it('forgets the outcome on reset, including that of a save still running', async () => {
    const { wrapper, state } = form();
    await submit(wrapper);
    answers.shift()!(json(422, REFUSED));
    await settle();
    state().reset();
    await nextTick();
    expect(alert(wrapper).exists()).toBe(false);

    for (const answer of [json(422, REFUSED), json(200, {})]) {
      await submit(wrapper);
      state().reset();
      answers.shift()!(answer);
      await settle();
      expect(alert(wrapper).exists()).toBe(false);
      expect(status(wrapper).exists()).toBe(false);
      expect(button(wrapper).text()).toBe('Save');
    }
  });
});
