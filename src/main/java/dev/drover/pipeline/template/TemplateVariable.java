package dev.drover.pipeline.template;

/**
 * A job variable that a script line reads, as a form asking for it would show it.
 *
 * @param name the variable's name: the first key of its field, {@code version} for both
 *     {@code {{ .version }}} and {@code {{ .version.major }}}
 * @param defaultValue the text of the literal that {@code default} gives it, or null when the
 *     line gives none (or gives another field)
 */
public record TemplateVariable(String name, String defaultValue) {}
