// Small shared pieces: status badges, notices, copy buttons, a confirmation dialog, and the hook
// every page uses to load data.
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import { formatTime } from '../format';

export { html };

export function StatusBadge({ status }: { status: string }) {
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

export function Time({ iso }: { iso: string | undefined }) {
  return iso ? html`<time datetime=${iso} title=${iso}>${formatTime(iso)}</time>` : html`<span>—</span>`;
}

export type NoticeKind = 'info' | 'success' | 'error';

/** A message that screen readers announce (errors assertively). */
export function Notice({ kind, children }: { kind: NoticeKind; children: ComponentChildren }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiRequestError) {
    const detail = error.details.map((entry) => (entry.field ? `${entry.field}: ${entry.message}` : entry.message)).join('; ');
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` when `key` changes (and on reload()); a late answer for an old key is dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const run = ++current.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (run === current.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (run === current.current) setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    // `key` names everything `load` reads.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/** Copies text; where the Clipboard API is refused (some frames), selects it for Ctrl+C instead. */
export function CopyButton({ text, label, target }: { text: string; label: string; target?: () => HTMLElement | null }) {
  const [copied, setCopied] = useState<'' | 'copied' | 'select'>('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      const element = target?.();
      if (element) window.getSelection()?.selectAllChildren(element);
      setCopied('select');
    }
  };
  return html`<button type="button" class="button-secondary" onClick=${copy}>${label}</button>
    <span class="copy-state" role="status">${copied === 'copied' ? 'Copied' : copied === 'select' ? 'Selected: press Ctrl+C to copy' : ''}</span>`;
}

export interface ConfirmProps {
  readonly open: boolean;
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/** A modal <dialog>: focus moves into it, Escape cancels, and focus returns where it was. */
export function ConfirmDialog(props: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  // A page may hold several dialogs: each names itself by its own heading.
  const titleId = `dialog-${useId()}`;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return html`<dialog ref=${dialog} class="dialog" aria-labelledby=${titleId} onCancel=${(event: Event) => {
    event.preventDefault();
    props.onCancel();
  }}>
    <h2 id=${titleId}>${props.title}</h2>
    <div class="dialog-body">${props.children}</div>
    <div class="actions">
      <button type="button" class="button-secondary" onClick=${props.onCancel}>Cancel</button>
      <button type="button" class=${props.danger ? 'button-danger' : ''} onClick=${props.onConfirm}>${props.confirmLabel}</button>
    </div>
  </dialog>`;
}

/** A disabled-while-running button action with its own outcome message. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<string | void>): {
  run: (...args: A) => Promise<void>;
  busy: boolean;
  message: { kind: NoticeKind; text: string } | undefined;
  clear(): void;
} {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: NoticeKind; text: string } | undefined>(undefined);
  const run = async (...args: A) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const text = await action(...args);
      if (text) setMessage({ kind: 'success', text });
    } catch (error) {
      setMessage({ kind: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, message, clear: () => setMessage(undefined) };
}
