using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeEmbeddingClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EmbeddingClaimedUntil",
                table: "knowledge_sources",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "EmbeddingFailures",
                table: "knowledge_sources",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EmbeddingRetryAt",
                table: "knowledge_sources",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EmbeddingClaimedUntil",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "EmbeddingFailures",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "EmbeddingRetryAt",
                table: "knowledge_sources");
        }
    }
}
