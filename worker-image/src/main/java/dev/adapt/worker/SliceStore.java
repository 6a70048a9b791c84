package dev.adapt.worker;

import dev.adapt.core.slice.SliceExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slices a worker holds, by content hash, in load order. Holding several lets a new slice load
 * while batches still run on the old one. Beyond {@code capacity} the oldest slice is evicted; an
 * evicted slice is closed once its last running batch has released it.
 */
final class SliceStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SliceStore.class);

  private final int capacity;
  private final Consumer<List<String>> onChange;
  private final Map<String, Entry> slices = new LinkedHashMap<>();
  private boolean closed;

  SliceStore(int capacity, Consumer<List<String>> onChange) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a worker must hold at least one slice");
    }
    this.capacity = capacity;
    this.onChange = onChange;
  }

  synchronized boolean holds(String sha256) {
    return slices.containsKey(sha256);
  }

  /** Held hashes, oldest first. */
  synchronized List<String> hashes() {
    return List.copyOf(slices.keySet());
  }

  /** Adds a loaded slice (the most recent now) and evicts the oldest beyond capacity. */
  void add(SliceExecutor executor) {
    List<String> held;
    List<Entry> evicted = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        executor.close();
        throw new IllegalStateException("worker is shutting down");
      }
      if (slices.containsKey(executor.sha256())) {
        executor.close();
        return;
      }
      slices.put(executor.sha256(), new Entry(executor));
      while (slices.size() > capacity) {
        String oldest = slices.keySet().iterator().next();
        evicted.add(slices.remove(oldest));
      }
      held = List.copyOf(slices.keySet());
    }
    for (Entry entry : evicted) {
      LOG.info("evicting slice {}", entry.executor.sha256());
      entry.retire();
    }
    onChange.accept(held);
  }

  /** The slice with this hash, held for one batch until the returned handle is closed. */
  synchronized Optional<Handle> acquire(String sha256) {
    Entry entry = slices.get(sha256);
    if (entry == null) {
      return Optional.empty();
    }
    entry.users++;
    return Optional.of(new Handle(entry));
  }

  @Override
  public void close() {
    List<Entry> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(slices.values());
      slices.clear();
    }
    all.forEach(Entry::retire);
  }

  /** One batch's use of a slice. */
  final class Handle implements AutoCloseable {
    private final Entry entry;
    private boolean released;

    private Handle(Entry entry) {
      this.entry = entry;
    }

    SliceExecutor executor() {
      return entry.executor;
    }

    @Override
    public void close() {
      boolean closeNow;
      synchronized (SliceStore.this) {
        if (released) {
          return;
        }
        released = true;
        entry.users--;
        closeNow = entry.retired && entry.users == 0;
      }
      if (closeNow) {
        entry.executor.close();
      }
    }
  }

  private final class Entry {
    final SliceExecutor executor;
    int users;
    boolean retired;

    Entry(SliceExecutor executor) {
      this.executor = executor;
    }

    void retire() {
      boolean closeNow;
      synchronized (SliceStore.this) {
        retired = true;
        closeNow = users == 0;
      }
      if (closeNow) {
        executor.close();
      }
    }
  }
}
