using Microsoft.EntityFrameworkCore;

namespace WeChatAi.Core.Data.Handoff;

/// <summary>Handoff's tables: sessions (one open per user, by a partial unique index) and their messages.</summary>
internal static class HandoffModel
{
    public static void ConfigureHandoff(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<HandoffSession>(session =>
        {
            session.ToTable("handoff_sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.AppId).HasMaxLength(64);
            session.Property(s => s.OpenId).HasMaxLength(64);
            session.Property(s => s.OpenedBy).HasMaxLength(HandoffSession.MaxName);
            session.Property(s => s.Assignee).HasMaxLength(HandoffSession.MaxName);
            session.Property(s => s.ClosedBy).HasMaxLength(HandoffSession.MaxName);
            session.Property(s => s.CloseReason).HasMaxLength(16);
            session.Property(s => s.LastPreview).HasMaxLength(HandoffSession.MaxPreview);
            session.HasIndex(s => new { s.AppId, s.OpenId }).IsUnique().HasFilter("\"ClosedAt\" IS NULL");
            session.HasIndex(s => s.OpenedAt);
        });

        modelBuilder.Entity<HandoffMessage>(message =>
        {
            message.ToTable("handoff_messages");
            message.HasKey(m => m.Id);
            message.Property(m => m.AppId).HasMaxLength(64);
            message.Property(m => m.OpenId).HasMaxLength(64);
            message.Property(m => m.Key).HasMaxLength(HandoffMessage.MaxKey);
            message.Property(m => m.Operator).HasMaxLength(HandoffSession.MaxName);
            message.Property(m => m.Text).HasMaxLength(HandoffMessage.MaxText);
            message.Property(m => m.Media).HasMaxLength(16);
            message.Property(m => m.Delivery).HasConversion<string>().HasMaxLength(16);
            message.HasIndex(m => new { m.AppId, m.Key }).IsUnique();
            message.HasIndex(m => new { m.SessionId, m.Id });

            // The sweep's look for replies left "sending" by a request that died: only those rows, however long the history.
            message.HasIndex(m => m.At).HasFilter("\"Delivery\" = 'Sending'");
            message.HasOne<HandoffSession>().WithMany().HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
