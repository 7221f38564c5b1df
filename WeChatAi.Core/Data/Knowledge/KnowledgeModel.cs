using Microsoft.EntityFrameworkCore;

namespace WeChatAi.Core.Data.Knowledge;

/// <summary>The knowledge base's tables: sources (the worker claims queued ones by state), their chunks, the missed questions.</summary>
internal static class KnowledgeModel
{
    public static void ConfigureKnowledge(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<KnowledgeSource>(source =>
        {
            source.ToTable("knowledge_sources");
            source.HasKey(s => s.Id);
            source.Property(s => s.AppId).HasMaxLength(64);
            source.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
            source.Property(s => s.Title).HasMaxLength(KnowledgeSource.MaxTitle);
            source.Property(s => s.Url).HasMaxLength(KnowledgeSource.MaxUrl);
            source.Property(s => s.FileName).HasMaxLength(KnowledgeSource.MaxFileName);
            source.Property(s => s.TextHash).HasMaxLength(64);
            source.Property(s => s.ExternalId).HasMaxLength(KnowledgeSource.MaxExternalId);
            source.HasIndex(s => new { s.AppId, s.ExternalId }).IsUnique().HasFilter("\"ExternalId\" IS NOT NULL");
            source.Property(s => s.ContentHash).HasMaxLength(64);
            source.Property(s => s.IndexedHash).HasMaxLength(64);
            source.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
            source.Property(s => s.Error).HasMaxLength(KnowledgeSource.MaxError);
            source.Property(s => s.EmbeddingModel).HasMaxLength(KnowledgeSource.MaxEmbeddingModel);
            source.HasIndex(s => new { s.AppId, s.Id });
            source.HasIndex(s => new { s.State, s.Id }).HasFilter("\"State\" IN ('Queued', 'Processing')");
            source.HasMany<KnowledgeChunk>().WithOne().HasForeignKey(c => c.SourceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<KnowledgeChunk>(chunk =>
        {
            chunk.ToTable("knowledge_chunks");
            chunk.HasKey(c => c.Id);
            chunk.Property(c => c.Heading).HasMaxLength(KnowledgeChunk.MaxHeading);
            chunk.HasIndex(c => new { c.SourceId, c.Ordinal }).IsUnique();
        });

        modelBuilder.Entity<KnowledgeMissedQuestion>(missed =>
        {
            missed.ToTable("knowledge_missed_questions");
            missed.HasKey(m => m.Id);
            missed.Property(m => m.AppId).HasMaxLength(64);
            missed.HasIndex(m => m.ExchangeId).IsUnique();
            missed.HasOne<ChatExchange>().WithMany().HasForeignKey(m => m.ExchangeId).OnDelete(DeleteBehavior.Cascade); // the exchanges' retention
            missed.HasIndex(m => new { m.AppId, m.Id }).HasFilter("\"AnsweredSourceId\" IS NULL"); // the waiting ones, newest first
        });
    }
}
