package io.github.dbfed.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** How the benchmark's table reports a {@code TokenBench} method: its row, what it is, its goal. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Reported {
    /** The row's place in the table, from 1. */
    int row();

    /** What is measured, as the table says it. */
    String what();

    /** The goal, in ns ("—" for none). */
    String goal();
}
