import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from './api/client';

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps showing the current data meanwhile). */
  reload: () => void;
}

/**
 * GETs `path` (null: nothing yet) and keeps the answer; again when the path changes, on reload(),
 * and every `refreshMs` while the page is open (live progress). A newer answer always wins.
 */
export function useApi<T>(path: string | null, options: { refreshMs?: number } = {}): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    const mine = ++seq.current;
    const controller = new AbortController();
    setLoading(true);
    api.get<T>(path, { signal: controller.signal }).then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current || (err instanceof DOMException && err.name === 'AbortError')) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [path, tick]);

  useEffect(() => {
    if (options.refreshMs === undefined || path === null) return;
    const timer = setInterval(() => setTick((t) => t + 1), options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, path]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/**
 * Page state kept in the URL's query string (filters, paging, sort), so a filtered list can be
 * bookmarked, shared and navigated back to. `set({ os: 'Debian', offset: undefined })`.
 */
export function useQueryState(): [URLSearchParams, (changes: Record<string, string | number | undefined | null>) => void] {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (changes: Record<string, string | number | undefined | null>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === null || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [params, set];
}

/** The browser tab's title: "Nodes · Patchwarden". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Patchwarden`;
  }, [title]);
}
